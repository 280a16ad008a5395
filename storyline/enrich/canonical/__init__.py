"""One canonical entity per real-world referent, across articles, spellings and scripts.

:class:`EntityResolver` groups :class:`~storyline.model.Mention` records into
:class:`Entity` records in two passes:

1. **Within an article** a short form joins the full form it abbreviates: a
   surname joins the full name ("Brown" -> "Charles Brown", the nearest one
   when two people share it), an acronym joins the organisation whose initials
   it spells ("NYT" -> "New York Times"), and a one-word organisation joins the
   longer name it begins or ends ("the Times", "Brookings").
2. **Across articles** the per-article entities are compared by transliteration-
   robust keys (:mod:`storyline.enrich.names`: "Shoigu", "Shoygu" and "Шойгу"
   share a key) and by context: the entities they are mentioned with, the role
   words in front of them ("defence minister", "министр обороны") and, when
   the caller passes it, the article's story cluster. Same full name: merged.
   A surname alone, a similar (not equal) spelling, or a given name that only
   resembles another (Volodymyr / Vladimir): merged only when the surname is
   rare or the context agrees, so two different people who share a surname are
   not folded together.

Every merge leaves an explanation. Analyst decisions (:func:`merge`,
:func:`split`) are plain dicts that the caller stores and passes back in.

Resolution is **batch**: :meth:`EntityResolver.resolve` looks at the whole
corpus each time (5,000 articles take seconds), so a grown corpus is simply
resolved again. Entity ids are derived from the canonical name's key, so the
same corpus gives the same ids, and a person keeps their id as articles arrive
unless their best-known full name changes.

Modules: :mod:`.forms` (what a name's words tell: parsed forms, aliases, small
name tests), :mod:`.context` (label votes, place and role context around a
mention), :mod:`.resolver` (:class:`EntityResolver`: per-article entities and
blocking keys), :mod:`.grouping` (the cross-article merges of one run) and
:mod:`.results` (entities, analyst decisions and their application).
"""

from storyline.enrich.canonical.context import _roles as _roles  # tests read it here
from storyline.enrich.canonical.forms import ALIASES
from storyline.enrich.canonical.resolver import EntityResolver
from storyline.enrich.canonical.results import Entity, Resolution, mention_key, merge, split

__all__ = [
    "ALIASES",
    "Entity",
    "EntityResolver",
    "Resolution",
    "merge",
    "mention_key",
    "split",
]

"""The entity resolver: per-article entities, label fixes and blocking keys; the
cross-article merges are in :mod:`storyline.enrich.canonical.grouping`."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import jellyfish

from storyline.enrich.canonical.context import _majority_labels, _place_votes, _roles, _title_before
from storyline.enrich.canonical.forms import (
    _DOTTED,
    ALIASES,
    _feature,
    _Form,
    _given_compatible,
    _Local,
    _looks_like_full_name,
    _nearest,
    _org_key,
    _org_words,
    _parse,
    _short_form_of,
    _surface_key,
)
from storyline.enrich.canonical.grouping import _Run
from storyline.enrich.canonical.results import Resolution, _apply_overrides, mention_key
from storyline.enrich.names import romanize, skeleton, sound_key, split_name, translit_key, word_tokens
from storyline.model import Mention


def _attached_to_a_name(m: Mention, mentions: Sequence[Mention]) -> bool:
    """Whether a lone name sits right beside another name with only a comma or a bracket between:
    after a person's full name ("Bill Hader, Barry", "Dana Holt (Marion)") or before a bracketed
    organisation ("Barry (HBO)"). In a nominee list or a caption it is that person's show or role,
    or a show with its network, not a first-name reference to a third person (a lone "Barry" there
    was joined to a director named Barry: judgments 58 and 157, benchmarks/results/report.md).
    ``mentions``: every mention of the article, of any label."""
    for o in mentions:
        if o is m or o.article_id != m.article_id:
            continue
        if o.label == "PERSON" and " " in o.text.strip() and 1 <= m.start - o.end <= 3:
            return True
        if o.label != "PERSON" and o.start - m.end == 2:  # "Barry (HBO)"
            return True
    return False


class EntityResolver:
    """Groups mentions into entities (see the module docstring for the rules).

    ``context_threshold``: how much shared context (sum of idf weights of shared
    co-mentioned entities; a shared role or story cluster counts ``strong_context``)
    a merge that names alone cannot justify needs. ``surname_similarity`` /
    ``given_similarity``: Jaro-Winkler floors on sound keys for "similar" names.
    ``common_surname_zipf``: surnames at least this frequent as English words
    (Brown, Johnson) need context to join a full name in another article.
    ``aliases``: extra rows in the format of :data:`ALIASES`.
    """

    def __init__(
        self,
        *,
        context_threshold: float = 1.0,
        strong_context: float = 1.5,
        surname_similarity: float = 0.88,
        given_similarity: float = 0.8,
        common_surname_zipf: float = 4.3,
        aliases: Sequence[tuple[str, str, Sequence[str]]] = (),
        max_explanations: int = 12,
    ) -> None:
        self.context_threshold = context_threshold
        self.strong_context = strong_context
        self.surname_similarity = surname_similarity
        self.given_similarity = given_similarity
        self.common_surname_zipf = common_surname_zipf
        self.aliases = aliases
        self.max_explanations = max_explanations
        self._alias_index: dict[str, tuple[str, str]] = {}
        for type_, canonical, others in (*ALIASES, *aliases):
            key = " ".join(_org_words(canonical))
            for name in (canonical, *others):
                self._alias_index[" ".join(_org_words(name))] = (type_, canonical)
                if _DOTTED.match(name) or (name.isupper() and name.isalpha()):
                    self._alias_index[name.replace(".", "").lower()] = (type_, canonical)
            self._alias_index[key] = (type_, canonical)
        self._forms: dict[tuple[str, str], _Form] = {}

    # -- public --------------------------------------------------------------

    def resolve(
        self,
        mentions_by_article: Mapping[str, Sequence[Mention]],
        *,
        texts: Mapping[str, str] | None = None,
        groups: Mapping[str, str] | None = None,
        overrides: Sequence[Mapping[str, Any]] = (),
        roles: Mapping[str, Sequence[str]] | None = None,
    ) -> Resolution:
        """Group every mention of the corpus into entities.

        ``texts`` (article id -> clean text) lets role words around names count
        as context; ``groups`` (article id -> story/event cluster id) makes
        articles of one story count as shared context; ``overrides`` are the
        analyst decisions made with :func:`merge` and :func:`split`. ``roles``
        (mention key -> role words) stands in for the text of an article not in
        ``texts`` (an incremental run passes a stored entity's profile); the role
        words found are returned in :attr:`Resolution.roles`.
        """
        titled = self._titled_names(mentions_by_article, texts) if texts else {}
        if titled:  # relabelled before the corpus votes, so they vote as the people they are
            mentions_by_article = {
                a: [replace(m, label="PERSON") if mention_key(m) in titled else m for m in ms]
                for a, ms in mentions_by_article.items()
            }
        majority = _majority_labels(mentions_by_article, texts)
        places = _place_votes(mentions_by_article, texts) if texts else {}
        locals_: list[_Local] = []
        found_roles: dict[str, tuple[str, ...]] = {}
        for article_id in sorted(mentions_by_article):
            mentions = sorted(mentions_by_article[article_id], key=lambda m: (m.start, m.end))
            text = texts.get(article_id) if texts else None
            group = groups.get(article_id) if groups else None
            locals_.extend(
                self._local_entities(article_id, mentions, text, group, len(locals_), majority, places,
                                     roles or {}, found_roles, titled)
            )
        same_person = self._people_tagged_as_names(locals_)
        self._surnames_tagged_as_names(locals_)
        run = _Run(self, locals_, n_articles=len(mentions_by_article))
        for a, b, why in same_person:
            run.union(a, b, why)
        run.resolve_people()
        run.resolve_names()
        entities = run.entities()
        return replace(_apply_overrides(entities, overrides, self.max_explanations), roles=found_roles)

    def _titled_names(
        self, mentions_by_article: Mapping[str, Sequence[Mention]], texts: Mapping[str, str]
    ) -> dict[str, str]:
        """Full names tagged ORG/LOC right after a person's title ("the governor Pavel Pelchine"
        tagged LOC, "Academy President Boone Isaacs" tagged ORG): two or three capitalised words,
        none an institution's, not a known alias. The title is the article's own evidence that a
        person is named, whatever the spelling looks like to the model. Returns mention key -> the
        relabelling note."""
        out: dict[str, str] = {}
        for article_id, mentions in mentions_by_article.items():
            text = texts.get(article_id)
            if text is None:
                continue
            for m in mentions:
                if m.label not in ("ORG", "LOC") or not _looks_like_full_name(self._form(m)):
                    continue
                if _org_key(m.normal or m.text) in self._alias_index:
                    continue
                title = _title_before(text, m)
                if title:
                    out[mention_key(m)] = (
                        f"'{m.text}' tagged {m.label} by the NER model, taken as PERSON: "
                        f"a full name after the title '{title}'"
                    )
        return out

    def _people_tagged_as_names(self, locals_: list[_Local]) -> list[tuple[int, int, str]]:
        """A full personal name tagged ORG/LOC ("Arkadiy Voloshenko" as ORG) whose
        words match the full name of a person of the corpus by the people's rules
        (same or similar surname by sound with a compatible given name) is that
        person, when the person's own mentions outnumber the ORG/LOC ones ("Varn
        Offshore" tagged PERSON once and ORG once stays as it is). The local is
        relabelled, so the people's pass merges it; returns the pairs of locals to
        join inside one article (the relabelled name and its surname mentions)."""
        people = [loc for loc in locals_ if loc.type == "PERSON" and loc.best.full and loc.best.given]
        if not people:
            return []
        by_skeleton: dict[str, list[_Local]] = defaultdict(list)
        for loc in people:
            by_skeleton[skeleton(loc.key)].append(loc)
        name_votes: Counter[str] = Counter(
            loc.key for loc in locals_ if loc.type != "PERSON" for _ in loc.mentions
        )
        pairs: list[tuple[int, int, str]] = []
        for loc in locals_:
            if loc.type == "PERSON" or not _looks_like_full_name(loc.best) or loc.key in self._alias_index:
                continue
            form = _parse("PERSON", loc.best.base)
            if not form.given:
                continue
            matches = [
                p
                for p in by_skeleton.get(skeleton(form.surname), ())
                if (
                    p.key == form.surname
                    or jellyfish.jaro_winkler_similarity(p.key, form.surname) >= self.surname_similarity
                )
                and _given_compatible(p.best, form, self.given_similarity) == "strict"
            ]
            person_votes = sum(len(p.mentions) for p in matches)
            if person_votes <= name_votes[loc.key]:
                continue
            loc.notes.append(
                f"'{loc.best.base}' tagged {loc.type} by the NER model, label corrected to PERSON: "
                f"the full name of a person named in {len({p.article_id for p in matches})} article(s)"
            )
            loc.type = "PERSON"
            loc.mentions = [replace(m, label="PERSON") for m in loc.mentions]
            loc.forms = [self._form(m) for m in loc.mentions]
            loc.best = max(loc.forms, key=lambda f: len(f.given) + len(f.initials))
            loc.key = loc.best.surname
            for other in locals_:
                if other.article_id == loc.article_id and other.type == "PERSON" and not other.best.full:
                    if other.key == loc.key:
                        pairs.append(
                            (
                                loc.uid,
                                other.uid,
                                f"'{other.best.base}' = '{loc.best.base}' (surname, within article)",
                            )
                        )
        return pairs

    def _surnames_tagged_as_names(self, locals_: list[_Local]) -> None:
        """A lone rare word tagged ORG/LOC that is the surname of a person named in
        full elsewhere is that person ("Navalny" tagged ORG in an article whose
        "Alexei Navalny's" the model missed)."""
        surnames = {loc.key for loc in locals_ if loc.type == "PERSON" and loc.best.full}
        for loc in locals_:
            if loc.type == "PERSON" or len(loc.best.words) != 1 or loc.best.acronym:
                continue
            if (
                loc.key in surnames
                and loc.key not in self._alias_index
                and self._is_rare_surname(loc.best.base)
            ):
                loc.notes.append(
                    f"'{loc.best.base}' was tagged {loc.type}; taken as a surname of a person named elsewhere"
                )
                loc.type = "PERSON"
                loc.mentions = [replace(m, label="PERSON") for m in loc.mentions]
                loc.forms = [self._form(m) for m in loc.mentions]
                loc.best = loc.forms[0]

    def _is_rare_surname(self, name: str) -> bool:
        """A surname rare as an English word ("Shoigu", not "Brown") names few people."""
        from wordfreq import zipf_frequency

        word = (word_tokens(name) or [""])[-1]
        return zipf_frequency(word, "en") < self.common_surname_zipf

    # -- within one article ----------------------------------------------------

    def blocking_keys(self, text: str, label: str | None = None) -> set[str]:
        """The keys a name is filed under for :meth:`probe_keys` to find: the last word's
        sound key and skeleton (surnames, similar spellings), the whole name's key read as a
        person's and as an organisation's, the alias it stands for, its acronym (``ia:``) and
        the acronyms it could be shortened to (``in:``). Two names that share no probe key
        are never joined by :meth:`resolve`, so an incremental run only re-examines the
        entities filed under a probe key of a new mention.

        The last-word keys serve surnames: a name of several words labelled ORG or LOC gets
        none, or every "... Department" would be filed beside every other one (a person's full
        name mislabelled ORG still meets the person through the whole-name key)."""
        text = text.strip()
        words = word_tokens(text)
        keys: set[str] = set()
        if words and (label in (None, "PERSON") or len(words) == 1):
            keys |= {"w:" + sound_key(words[-1]), "s:" + skeleton(words[-1])}
        for label in ("PERSON", "ORG"):
            form = _parse(label, text)
            if form.key:
                keys.add("k:" + form.key)
            if label == "ORG":
                key, alias = self._canonical_name_key(form)
                if alias:
                    keys.add("a:" + alias)
                keys |= {"in:" + a for a in form.initials_of if a}
                if form.acronym:
                    keys |= {"ia:" + form.acronym, "ia:" + romanize(form.acronym)}
        keys -= {"w:", "s:", "ia:"}
        return keys

    def probe_keys(self, text: str, label: str | None = None) -> set[str]:
        """The filed keys (:meth:`blocking_keys`) a new name must look up to find every entity
        it could join. Acronyms meet in one direction only: an acronym ("NYT") looks up the
        names it could abbreviate and the same acronym, a long name looks up the acronyms
        that could stand for it, but two long names with the same initials ("Kalo Bank",
        "Kiro Bureau") are never compared for that, so they do not meet."""
        out: set[str] = set()
        for k in self.blocking_keys(text, label):
            if k.startswith("ia:"):
                out |= {k, "in:" + k[3:]}
            elif k.startswith("in:"):
                out.add("ia:" + k[3:])
            else:
                out.add(k)
        return out

    def _form(self, mention: Mention) -> _Form:
        base = (mention.normal or mention.text).strip()
        k = (mention.label, base)
        form = self._forms.get(k)
        if form is None:
            form = self._forms[k] = _parse(mention.label, base)
        return form

    def _local_entities(
        self,
        article_id: str,
        mentions: Sequence[Mention],
        text: str | None,
        group: str | None,
        start_uid: int,
        majority: Mapping[str, str],
        places: Mapping[str, str],
        known_roles: Mapping[str, Sequence[str]],
        found_roles: dict[str, tuple[str, ...]],
        titled: Mapping[str, str] | None = None,
    ) -> list[_Local]:
        people, names, relabelled = self._fix_labels(mentions, majority, places)
        for m in mentions:
            if titled and mention_key(m) in titled:
                relabelled.setdefault(mention_key(m), titled[mention_key(m)])
        out = self._local_people(article_id, people, start_uid, mentions)
        out += self._local_names(article_id, names, start_uid + len(out))
        for loc in out:
            loc.notes.extend(relabelled[mention_key(m)] for m in loc.mentions if mention_key(m) in relabelled)
        # context features: the other entities of the article, roles, the story cluster
        feats = {self._feature(loc) for loc in out}
        for loc in out:
            loc.features = feats - {self._feature(loc)}
            if group is not None:
                loc.features.add(f"G:{group}")
            if loc.type == "PERSON":
                for m in loc.mentions:
                    key = mention_key(m)
                    words = tuple(sorted(_roles(text, m))) if text is not None else tuple(known_roles.get(key, ()))
                    if words:
                        found_roles[key] = words
                    loc.features.update(f"R:{r}" for r in words)
        return out

    def _fix_labels(
        self, mentions: Sequence[Mention], majority: Mapping[str, str], places: Mapping[str, str]
    ) -> tuple[list[Mention], list[Mention], dict[str, str]]:
        """PERSON and ORG/LOC mentions, correcting common NER slips: a known place
        or organisation tagged as a person ("Kyiv"); a lone surname tagged as an
        organisation when the article names that person in full ("Navalnyi's wife"
        after "Aleksei Navalnyi"); and a name tagged against the corpus majority
        ("Wladimir Klitschko" as ORG once, PERSON everywhere else); a one-word place
        tagged PERSON or ORG, told by the words around its mentions (``places``, see
        :func:`_place_votes`). Returns the relabelling notes by mention key."""
        surnames = {
            f.surname for m in mentions if m.label == "PERSON" and (f := self._form(m)).full and f.surname
        }
        # Spellings of the article's person names ("Baertschie" for "Baertschi", "Toniy" for "Tony"):
        # machine translation respells a name, and the NER model then often types the odd spelling as
        # an organisation or a place (benchmarks/results/robustness.md, "Respelled names typed ORG/LOC").
        # Only another spelling: the same word typed LOC ("Jordan" beside "Michael Jordan") stays as typed.
        person_forms = [self._form(m) for m in mentions if m.label == "PERSON"]
        respelled = {translit_key(w) for f in person_forms if f.surname for w in (f.surname, *f.given[:1])}
        person_words = {w.lower() for m in mentions if m.label == "PERSON" for w in m.text.split()}
        # The name words (surnames, first names) of the article's PERSON mentions by spelling key: a lone
        # word that the article also spells another way as a person's name ("Traciy" beside "Tracy",
        # "Kodi" beside "Kody Cook") is that name, whatever the corpus majority or the place votes say of
        # its surface. The very same word is no such evidence: "Surrey" beside a "Surrey Police" the
        # model tagged PERSON, "Colts" beside "Colts QB Andrew Luck" (ECB+, robustness.md).
        name_words: dict[str, set[str]] = defaultdict(set)  # spelling key -> the words as written
        for m in mentions:
            if m.label == "PERSON":
                given_raw, surname_raw = split_name((m.normal or m.text).strip())
                for w in (surname_raw, *given_raw[:1]) if surname_raw else ():
                    name_words[translit_key(sound_key(w))].add(w.lower())
        people: list[Mention] = []
        names: list[Mention] = []
        notes: dict[str, str] = {}

        def relabel(m: Mention, label: str, why: str) -> Mention:
            notes[mention_key(m)] = f"'{m.text}' tagged {m.label} by the NER model, taken as {label}: {why}"
            return replace(m, label=label)

        for m in mentions:
            if m.label not in ("PERSON", "ORG", "LOC"):
                continue
            form = self._form(m)
            single = " " not in m.text.strip()
            in_article_surname = single and sound_key(m.normal or m.text) in surnames
            # "Sydney" beside "Sydnie" (a person of the article) is that person, though "Sydney" is a place
            written = "".join(word_tokens(m.normal or m.text))  # romanised, as split_name gives the words
            in_article_name = single and bool(name_words[translit_key(form.key)] - {written})
            voted = majority.get(_surface_key(m))
            place = places.get(_surface_key(m)) if single else None
            if m.label == "PERSON":
                alias = self._alias_index.get(_org_key(m.normal or m.text))
                if alias and single and not in_article_surname and not in_article_name:
                    names.append(relabel(m, alias[0], "a known name"))
                elif place and not alias and not in_article_surname and not in_article_name:
                    names.append(relabel(m, "LOC", place))
                elif voted and voted != "PERSON" and not in_article_surname and not in_article_name:
                    names.append(relabel(m, voted, "so tagged in most of the corpus"))
                else:
                    people.append(m)
                continue
            lone = len(form.words) == 1 and not form.acronym
            if lone and form.key in surnames and form.key not in self._alias_index:
                people.append(relabel(m, "PERSON", "the surname of a person named in the article"))
            elif lone and not place and form.key not in self._alias_index and m.text.lower() not in person_words \
                    and translit_key(form.key) in respelled:
                people.append(relabel(m, "PERSON", "a spelling of a name of a person named in the article"))
            elif m.label == "ORG" and lone and place and form.key not in self._alias_index:
                names.append(relabel(m, "LOC", place))
            elif voted == "PERSON" and form.key not in self._alias_index and not place:
                people.append(relabel(m, "PERSON", "so tagged in most of the corpus"))
            else:
                names.append(m)
        return people, names, notes

    _feature = staticmethod(_feature)

    def _local_people(self, article_id: str, mentions: Sequence[Mention], start_uid: int,
                      neighbours: Sequence[Mention] = ()) -> list[_Local]:
        """The article's people; ``neighbours`` (every mention of the article) tell a lone name in a
        list from a first-name reference."""
        out: list[_Local] = []
        full_by_surname: dict[str, list[_Local]] = defaultdict(list)
        short: list[tuple[Mention, _Form]] = []
        for m in mentions:
            form = self._form(m)
            if not form.surname:
                continue
            if not form.full:
                short.append((m, form))
                continue
            same = [
                loc for loc in full_by_surname[form.surname] if _given_compatible(loc.best, form) == "strict"
            ]
            if not same:
                # "Nancy Pelosie" after "Nancy Pelosi": a transliteration variant of the surname joins
                # a full name of the same article only when the given names agree too.
                same = [loc for key, locs in full_by_surname.items() if key != form.surname
                        and translit_key(key) == translit_key(form.surname) for loc in locs
                        if _given_compatible(loc.best, form) == "strict"][:1]
            if not same:
                # "J. Smith" after "John Smith": an initial joins the one name it fits
                weak = [
                    loc
                    for loc in full_by_surname[form.surname]
                    if _given_compatible(loc.best, form) == "weak"
                ]
                same = weak if len(weak) == 1 else []
            if same:
                loc = same[0]
                note = (
                    ""
                    if form.base == loc.best.base
                    else f"'{m.text}' = '{loc.best.base}' (same name, within article)"
                )
                loc.add(m, form, note)
                if len(form.given) + len(form.initials) > len(loc.best.given) + len(loc.best.initials):
                    loc.best = form
            else:
                loc = _Local(start_uid + len(out), article_id, "PERSON", [m], [form], form, form.surname)
                out.append(loc)
                full_by_surname[form.surname].append(loc)
        for m, form in short:
            token = form.surname
            candidates = full_by_surname.get(token, [])
            how = "surname"
            if not candidates:
                # "Lamettey" after "David Lametti": a transliteration variant of one surname of the article
                # (keys with no one left under them are lookups of the loop above, not people)
                variants = [locs for key, locs in full_by_surname.items()
                            if locs and translit_key(key) == translit_key(token)]
                if len(variants) == 1:
                    candidates, how = variants[0], "surname spelled another way"
            attached = _attached_to_a_name(m, neighbours or mentions)
            if not candidates and not attached:
                # a first-name reference ("Charles" for "Charles Brown") or an East Asian
                # surname written first ("Xi" for "Xi Jinping")
                candidates = [loc for loc in out if loc.best.given and loc.best.given[0] == token]
                how = "first name"
            if not candidates and not attached:
                # "Sydnie" for "Sydney Hale": a first name spelled another way, when one person has it
                variants = [loc for loc in out if loc.best.given and translit_key(loc.best.given[0]) == translit_key(token)]
                if len(variants) == 1:
                    candidates, how = variants, "first name spelled another way"
            if candidates:
                loc = _nearest(candidates, m)
                rivals = (
                    f"; {len(candidates) - 1} other(s) share it, nearest chosen"
                    if len(candidates) > 1
                    else ""
                )
                loc.add(m, form, f"'{m.text}' = '{loc.best.base}' ({how}, within article{rivals})")
                continue
            loc = next((x for x in out if not x.best.full and x.key == token), None)
            if loc is None:
                # "Demie" after "Demi": one lone name spelled two ways in one article
                loc = next((x for x in out if not x.best.full and translit_key(x.key) == translit_key(token)), None)
            if loc is None:
                loc = _Local(start_uid + len(out), article_id, "PERSON", [m], [form], form, token)
                out.append(loc)
            else:
                loc.add(m, form)
        return out

    def _canonical_name_key(self, form: _Form) -> tuple[str, str | None]:
        """(key, alias canonical name or None) for an organisation or place."""
        hit = self._alias_index.get(form.key) or (
            self._alias_index.get(form.acronym) if form.acronym else None
        )
        if hit:
            return " ".join(_org_words(hit[1])), hit[1]
        return form.key, None

    def _local_names(self, article_id: str, mentions: Sequence[Mention], start_uid: int) -> list[_Local]:
        out: list[_Local] = []
        by_key: dict[str, _Local] = {}
        pending: list[tuple[Mention, _Form]] = []
        for m in mentions:
            form = self._form(m)
            if not form.key:
                continue
            key, alias = self._canonical_name_key(form)
            if alias is None and (form.acronym or len(form.words) == 1):
                pending.append((m, form))  # may abbreviate a longer name of this article
                continue
            loc = by_key.get(key)
            if loc is None:
                loc = by_key[key] = _Local(start_uid + len(out), article_id, m.label, [m], [form], form, key)
                out.append(loc)
            else:
                note = (
                    f"'{m.text}' = '{loc.best.base}' (known alias)"
                    if alias and form.key != loc.best.key
                    else ""
                )
                loc.add(m, form, note)
                if len(form.words) > len(loc.best.words):
                    loc.best = form
        for m, form in pending:
            target = None
            note = ""
            if form.acronym:
                hits = [loc for loc in out if any(form.acronym in f.initials_of for f in loc.forms)]
                if hits:
                    target = _nearest(hits, m)
                    note = f"'{m.text}' = '{target.best.base}' (acronym introduced in the article)"
            elif len(form.words) == 1:
                hits = [loc for loc in out if loc.type == m.label and _short_form_of(form, loc.best)]
                if len({id(h) for h in hits}) == 1:
                    target = hits[0]
                    note = f"'{m.text}' = '{target.best.base}' (short form, within article)"
            if target is None:
                target = by_key.get(form.key)
            if target is None:
                target = by_key[form.key] = _Local(
                    start_uid + len(out), article_id, m.label, [m], [form], form, form.key
                )
                out.append(target)
            else:
                target.add(m, form, note)
        return out

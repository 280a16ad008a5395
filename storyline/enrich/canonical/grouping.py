"""One resolve() run across articles: the per-article entities joined by union-find,
people by surname and given name, organisations and places by name key, each merge
that names alone cannot justify weighed by shared context."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING

import jellyfish

from storyline.enrich.canonical.forms import (
    _feature,
    _given_compatible,
    _Local,
    _same_name_note,
    _surname_text,
    _UnionFind,
)
from storyline.enrich.canonical.results import _build_entity, _Entity
from storyline.enrich.names import demonym_pair, nickname_of, skeleton

if TYPE_CHECKING:
    from storyline.enrich.canonical.resolver import EntityResolver


class _Run:
    """State of one resolve() call: per-article entities and the merges between them."""

    def __init__(self, resolver: EntityResolver, locals_: list[_Local], n_articles: int) -> None:
        self.r = resolver
        self.locals = locals_
        self.uf = _UnionFind(len(locals_))
        self.notes: dict[int, list[str]] = {loc.uid: list(loc.notes) for loc in locals_}
        self.context: dict[int, Counter[str]] = {loc.uid: Counter(loc.features) for loc in locals_}
        self.articles: dict[int, set[str]] = {loc.uid: {loc.article_id} for loc in locals_}
        per_article: dict[str, set[str]] = defaultdict(set)
        for loc in locals_:
            per_article[loc.article_id] |= loc.features
        df: Counter[str] = Counter()
        for feats in per_article.values():
            df.update(feats)
        self.idf = {f: math.log((n_articles + 1) / c) for f, c in df.items()}
        self.display: dict[str, str] = {}
        for loc in locals_:
            self.display.setdefault(_feature(loc), loc.best.base)

    # -- bookkeeping ---------------------------------------------------------

    def union(self, a: int, b: int, why: str) -> int:
        ra, rb = self.uf.find(a), self.uf.find(b)
        if ra == rb:
            return ra
        if rb < ra:
            ra, rb = rb, ra
        self.uf.parent[rb] = ra
        self.notes[ra].extend(self.notes.pop(rb))
        self.notes[ra].append(why)
        # fold the smaller context into the larger one (popular entities grow large)
        small, large = self.context.pop(rb), self.context[ra]
        if len(small) > len(large):
            small, large = large, small
        large.update(small)
        self.context[ra] = large
        arts_small, arts_large = self.articles.pop(rb), self.articles[ra]
        if len(arts_small) > len(arts_large):
            arts_small, arts_large = arts_large, arts_small
        arts_large |= arts_small
        self.articles[ra] = arts_large
        return ra

    def weight(self, feature: str) -> float:
        if feature[0] in "RG":
            return self.r.strong_context
        return self.idf.get(feature, 0.0)

    def shared_context(self, a: int, b: int) -> tuple[float, list[str]]:
        """Weight of the context two groups share, and its most telling items
        (readable); -1 when they share an article (then they are different)."""
        ra, rb = self.uf.find(a), self.uf.find(b)
        if ra == rb:
            return 0.0, []
        arts_a, arts_b = self.articles[ra], self.articles[rb]
        if len(arts_a) > len(arts_b):
            arts_a, arts_b = arts_b, arts_a
        if any(x in arts_b for x in arts_a):
            return -1.0, []
        common = self.context[ra].keys() & self.context[rb].keys()
        if not common:
            return 0.0, []
        shared = sorted(((self.weight(f), f) for f in common), reverse=True)[:5]
        score = sum(w for w, _ in shared)
        return score, [self._label(f) for _, f in shared[:4]]

    def _label(self, feature: str) -> str:
        if feature[0] == "R":
            return feature[2:]
        if feature[0] == "G":
            return "same story cluster"
        return self.display.get(feature, feature[2:])

    def _why_context(self, items: list[str]) -> str:
        return f", shared context: {', '.join(items)}" if items else ""

    # -- people --------------------------------------------------------------

    def resolve_people(self) -> None:
        people = [loc for loc in self.locals if loc.type == "PERSON"]
        full = [loc for loc in people if loc.best.full]
        short = [loc for loc in people if not loc.best.full]
        by_surname: dict[str, list[_Local]] = defaultdict(list)
        for loc in full:
            by_surname[loc.key].append(loc)
        # 1. same surname, same given name by sound (or a nickname): one person
        for group in by_surname.values():
            firsts: dict[str, _Local] = {}
            for loc in group:
                if not loc.best.given:
                    continue
                g = loc.best.given[0]
                anchor = firsts.get(g) or next(
                    (x for x in firsts.values() if nickname_of(x.best.given[0], g)), None
                )
                if anchor is None:
                    firsts[g] = loc
                    continue
                self.union(anchor.uid, loc.uid, "merged: " + _same_name_note(anchor.best, loc.best))
        # 2. same surname, given names only alike (Volodymyr / Vladimir, J. / John): needs context
        for group in by_surname.values():
            self._merge_weak(group, same_surname=True)
        # 3. similar surnames (Mueller / Muller): needs a compatible given name and context
        by_skeleton: dict[str, list[str]] = defaultdict(list)
        for surname in by_surname:
            by_skeleton[skeleton(surname)].append(surname)
        for surnames in by_skeleton.values():
            for i, s1 in enumerate(surnames):
                for s2 in surnames[i + 1 :]:
                    if jellyfish.jaro_winkler_similarity(s1, s2) >= self.r.surname_similarity:
                        self._merge_weak(by_surname[s1] + by_surname[s2], same_surname=False)
        # 4. a surname alone joins the one full name it can belong to
        pool: dict[str, list[_Local]] = defaultdict(list)
        full_roots = {
            key: sorted({self.uf.find(loc.uid) for loc in locs}) for key, locs in by_surname.items()
        }
        for loc in short:
            if not self._attach_surname(loc, full_roots.get(loc.key, [])):
                pool[loc.key].append(loc)
        # 5. surnames nobody's full name explains: same key, and rare or in shared context
        for key, locs in pool.items():
            if self._rare(locs[0].best.base):
                for loc in locs[1:]:
                    self.union(locs[0].uid, loc.uid, f"merged: same rare surname ({key})")
                continue
            seen: dict[str, list[int]] = defaultdict(list)  # feature -> pool locals that have it
            for loc in locs:
                best: tuple[float, int, list[str]] | None = None
                for root in self._candidates_by_context(loc, seen):
                    score, items = self.shared_context(root, loc.uid)
                    if score >= self.r.context_threshold and (best is None or score > best[0]):
                        best = (score, root, items)
                if best is not None:
                    self.union(
                        best[1],
                        loc.uid,
                        f"merged: same surname ({key}), shared context{self._why_context(best[2])}",
                    )
                for f in loc.features:
                    seen[f].append(loc.uid)

    def _candidates_by_context(
        self, loc: _Local, seen: Mapping[str, list[int]], limit: int = 50
    ) -> list[int]:
        """Groups that share the most informative features with ``loc``: a bounded
        candidate list, so a common surname in a large corpus is not compared with
        every other mention of it."""
        top = sorted(loc.features, key=lambda f: (-self.weight(f), f))[:8]
        votes: Counter[int] = Counter()
        for f in top:
            for uid in seen.get(f, ())[-200:]:
                votes[self.uf.find(uid)] += 1
        return sorted(r for r, _ in votes.most_common(limit))

    def _merge_weak(self, group: list[_Local], same_surname: bool) -> None:
        roots = sorted({self.uf.find(loc.uid) for loc in group})
        reps = {r: next(loc for loc in group if self.uf.find(loc.uid) == r) for r in roots}
        for i, ra in enumerate(roots):
            for rb in roots[i + 1 :]:
                a, b = reps[ra], reps[rb]
                if self.uf.find(a.uid) == self.uf.find(b.uid):
                    continue
                compat = _given_compatible(a.best, b.best, self.r.given_similarity)
                if compat is None or (compat == "strict" and same_surname):
                    continue
                score, items = self.shared_context(a.uid, b.uid)
                if score < self.r.context_threshold:
                    continue
                what = "same surname" if same_surname else f"similar surname by sound ({a.key}~{b.key})"
                given = "same given name" if compat == "strict" else "similar given name"
                self.union(
                    a.uid,
                    b.uid,
                    f"merged: '{a.best.base}' ~ '{b.best.base}': {what}, {given}{self._why_context(items)}",
                )

    def _attach_surname(self, loc: _Local, candidate_roots: list[int]) -> bool:
        roots: dict[int, _Local] = {}
        for uid in candidate_roots:
            roots.setdefault(self.uf.find(uid), self.locals[uid])
        if not roots:
            return False
        scored = sorted(
            ((*self.shared_context(loc.uid, c.uid), c) for c in roots.values()),
            key=lambda x: -x[0],
        )
        best_score, items, best = scored[0]
        if best_score < 0:
            return False
        s1, s2 = _surname_text(loc.best), _surname_text(best.best)
        surname_note = "same surname" if s1 == s2 else f"same surname by sound ({s1}~{s2})"
        if len(scored) == 1:
            if best_score >= self.r.context_threshold or self._rare(loc.best.base):
                why = (
                    ""
                    if best_score >= self.r.context_threshold
                    else "; rare surname, only one full name has it"
                )
                self.union(
                    best.uid,
                    loc.uid,
                    f"merged: '{loc.best.base}' -> '{best.best.base}': {surname_note}{why}{self._why_context(items)}",
                )
                return True
            return False
        second = scored[1][0]
        if best_score >= self.r.context_threshold and best_score > second + 0.5:
            self.union(
                best.uid,
                loc.uid,
                f"merged: '{loc.best.base}' -> '{best.best.base}': {surname_note}, "
                f"chosen among {len(scored)} people with that surname{self._why_context(items)}",
            )
            return True
        return False

    def _rare(self, name: str) -> bool:
        return self.r._is_rare_surname(name)

    # -- organisations and places --------------------------------------------

    def resolve_names(self) -> None:
        names = [loc for loc in self.locals if loc.type != "PERSON"]
        # acronyms introduced in some article stand for the same name elsewhere
        learned: dict[str, Counter[str]] = defaultdict(Counter)
        for loc in names:
            if loc.best.acronym:
                continue
            for form in loc.forms:
                if form.acronym:
                    learned[form.acronym][loc.key] += 1
        # and an acronym of 3+ letters that spells exactly one name of the corpus stands for it
        spelled: dict[str, set[str]] = defaultdict(set)
        for loc in names:
            if not loc.best.acronym:
                for form in loc.forms:
                    for letters in form.initials_of:
                        spelled[letters].add(loc.key)
        by_key: dict[str, list[_Local]] = defaultdict(list)
        for loc in names:
            key = loc.key
            acronym = loc.best.acronym
            if (
                acronym
                and not learned.get(acronym)
                and len(acronym) >= 3
                and len(spelled.get(acronym, ())) == 1
            ):
                (expansion,) = spelled[acronym]
                if expansion != key:
                    self.notes[loc.uid].append(
                        f"'{loc.best.base}' = '{self.display.get('N:' + expansion, expansion)}' "
                        "(its initials; the only such name in the corpus)"
                    )
                key = expansion
            elif acronym and learned.get(acronym):
                expansion, n = learned[loc.best.acronym].most_common(1)[0]
                if expansion != key:
                    self.notes[loc.uid].append(
                        f"'{loc.best.base}' = '{self.display.get('N:' + expansion, expansion)}' "
                        f"(acronym introduced so in {n} other article(s))"
                    )
                key = expansion
            by_key[key].append(loc)
        for key, locs in by_key.items():
            first = locs[0]
            for loc in locs[1:]:
                if self.uf.find(loc.uid) != self.uf.find(first.uid):
                    self.union(first.uid, loc.uid, f"merged: same name ({key})")
        # similar spellings (Kharkov / Kharkiv style) merge only with shared context
        by_skeleton: dict[str, list[str]] = defaultdict(list)
        for key in by_key:
            by_skeleton[" ".join(skeleton(w) for w in key.split())].append(key)
        for keys in by_skeleton.values():
            for i, k1 in enumerate(keys):
                for k2 in keys[i + 1 :]:
                    if jellyfish.jaro_winkler_similarity(k1, k2) < self.r.surname_similarity:
                        continue
                    if any(demonym_pair(w1, w2) for w1, w2 in zip(k1.split(), k2.split(), strict=False)):
                        continue  # "Russia" / "Russian" are related words, not spellings of one name
                    a, b = by_key[k1][0], by_key[k2][0]
                    score, items = self.shared_context(a.uid, b.uid)
                    if score >= self.r.context_threshold:
                        self.union(
                            a.uid,
                            b.uid,
                            f"merged: similar spelling by sound ({k1}~{k2}){self._why_context(items)}",
                        )

    # -- output --------------------------------------------------------------

    def entities(self) -> list[_Entity]:
        members: dict[int, list[_Local]] = defaultdict(list)
        for loc in self.locals:
            members[self.uf.find(loc.uid)].append(loc)
        out = []
        for root, locs in members.items():
            out.append(_build_entity(locs, self.notes[root], self.r))
        return out

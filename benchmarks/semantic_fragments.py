"""Semantic search: what leaving out short hits (``semantic.MIN_HIT_WORDS``) does to relevance.

Claim and quote spans of one to three words ("the tender", "a bad bargain") are stored with the
sentences, and sit near every query in the encoder's space. This measures, on a store with
events and sentence vectors (``storyline demo``, or a store after ``storyline ingest``), for
queries made from every article's title (whole, its first 3 and its first 2 content words), an
exact scan's top 10 with hits shorter than N words left out: a hit is relevant when its article
is in the same event as the title's article. Prints P@5, P@10, MRR and the fragments (<= 3
words) in the top 5, per N; and the top 3 of a few nonsense queries.

    python benchmarks/semantic_fragments.py --db storyline-demo/storyline.db
"""

from __future__ import annotations

import argparse
import re
import statistics

STOP = {"the", "a", "of", "in", "on", "as", "to", "and", "over", "after", "its", "for"}


def _short(title: str, n: int) -> str:
    return " ".join([w for w in re.findall(r"[^\W\d]+", title) if w.lower() not in STOP][:n])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--min-words", default="1,3,4,5,6")
    args = ap.parse_args()
    import storyline
    from storyline.semantic import semantic_search

    store = storyline.open_store(args.db)
    event = store.event_assignments()
    arts = [a for a in store.articles() if a.title and event.get(a.id)]
    for form in ("title", "3", "2"):
        print(f"== queries: {'whole titles' if form == 'title' else f'first {form} content words of each title'}")
        for mw in (int(x) for x in args.min_words.split(",")):
            p5, p10, short5, rr = [], [], 0, []
            for a in arts:
                q = a.title if form == "title" else _short(a.title, int(form))
                hits = semantic_search(store, q, 10, exact=True, min_words=mw)
                rel = [event.get(h.article_id) == event[a.id] for h in hits]
                p5.append(sum(rel[:5]) / 5)
                p10.append(sum(rel) / 10)
                short5 += sum(len(h.text.split()) <= 3 for h in hits[:5])
                rr.append(next((1 / (i + 1) for i, r in enumerate(rel) if r), 0.0))
            print(f"min_words={mw}: {len(arts)} queries, P@5 {statistics.mean(p5):.3f}, P@10 {statistics.mean(p10):.3f}, "
                  f"MRR {statistics.mean(rr):.3f}, fragments of <= 3 words in the top 5: {short5}")
    for q in ("zzzz qqqq", "asdf", "ferry capsized"):
        for mw in (1, 4):
            hits = semantic_search(store, q, 3, exact=True, min_words=mw)
            print(f"{q!r} min_words={mw}: " + "; ".join(f"{h.score:.3f} {h.text[:50]!r}" for h in hits))


if __name__ == "__main__":
    main()

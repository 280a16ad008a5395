"""The HTML path measured: dataset articles as news web pages, through `storyline ingest`'s reader and cleaning.

    python benchmarks/html_pages.py [--limit N] [--seed S] [--before]

Each record becomes a page (`storyline.corrupt_html.html_page`: navigation, cookie banner, byline, share
bar, photo credit, related links, tags, newsletter box, comment form, footer with a copyright year, all
invented; the record's title in `<title>Headline | Outlet</title>` and `<h1>`, its date in a `<time>`
element when it has one). The pages are ingested (enrichment and grouping off) and the stored articles are
compared with the records:

- paragraphs kept: each paragraph of the record's text is in the stored text (letters and digits only, so
  cleaning's quote, dash and hyphen repairs do not count as losses; its last four fifths, for a dateline moved to
  metadata; URL lines and the datasets' own furniture lines are not counted);
- furniture left: each inserted furniture line of three or more words is in the stored text;
- title, outlet and date right where the record had them, and no date where it had none (a date the text's
  own date line gives, inferred by cleaning with its evidence, is not counted as made up).

``--before`` emulates the reader before round 12 (htmldate's extensive search, which reads free text such as
a footer's copyright year, and no site name from the title tag), to measure that change in one session.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA  # noqa: E402

from storyline.corrupt import DATASET_FURNITURE  # noqa: E402
from storyline.corrupt_html import html_page  # noqa: E402
from storyline.evaluate import load_gold_records  # noqa: E402
from storyline.pipeline import ingest  # noqa: E402
from storyline.settings import load_settings  # noqa: E402
from storyline.store.sqlite import open_store  # noqa: E402

SETS = (("GGT (outlet given)", "ggt"), ("BASIL held-out (all metadata)", "basil/docs.jsonl"),
        ("AllSides (all metadata)", "allsides/docs.jsonl"), ("ECB+ dev (no metadata)", "ecbplus/dev.jsonl"))


_URL = re.compile(r"\s*(?:https?\s*:|www\.)", re.I)


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-zа-яё]", "", text.lower())


def _records(rel: str, limit: int) -> list[dict]:
    if rel == "ggt":
        rows = [json.loads(line) for line in (DATA / "ggt-quotes" / "articles.jsonl").read_text("utf-8").splitlines()
                if line.strip()]
        return [{"id": f"ggt{i}", "text": r["articleBodyText"], "source": r.get("outlet")}
                for i, r in enumerate(rows[:limit]) if r.get("articleBodyText")]
    subset = "heldout" if rel.startswith("basil") else None
    return [g.record for g in load_gold_records(DATA / rel, subset=subset)[:limit]]


def _emulate_before() -> None:
    import importlib

    import trafilatura

    readers = importlib.import_module("storyline.ingest.readers")
    extract = trafilatura.bare_extraction

    def extensive(*args, **kwargs):
        kwargs.pop("date_extraction_params", None)  # trafilatura's default: extensive search
        return extract(*args, **kwargs)

    trafilatura.bare_extraction = extensive
    readers.site_in_title_tag = lambda html, headline: None


def measure(name: str, rel: str, limit: int, seed: int) -> dict:
    records = _records(rel, limit)
    settings = load_settings(env={}).replace(enrich=False, cluster=False)
    furniture: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pages"
        folder.mkdir()
        for number, record in enumerate(records):
            page = html_page(record, random.Random(f"{seed}:{record['id']}"))
            (folder / f"p{number:05d}.html").write_text(page.html, "utf-8")
            furniture[f"p{number:05d}"] = [f for f in page.furniture if len(f.split()) >= 3]
        with open_store(Path(tmp) / "s.db") as store:
            report = ingest(store, [folder], settings=settings, command="bench")
            stored = {a.external_id: a for a in store.articles()}
    kept = total = left = inserted = 0
    title = [0, 0]
    outlet = [0, 0]
    dated = [0, 0]
    invented = [0, 0]
    for number, record in enumerate(records):
        article = stored.get(f"p{number:05d}")
        text = _squash(article.text) if article else ""
        # the datasets' own furniture lines ("Story continues below advertisement") and URL lines (cleaning
        # moves them to metadata) are not paragraphs
        for paragraph in (p for p in str(record["text"]).split("\n")
                          if len(p.split()) >= 4 and not DATASET_FURNITURE.fullmatch(p) and not _URL.match(p)):
            total += 1
            # a dateline at its start ("OTTAWA —") goes to metadata: the rest of the paragraph is what counts
            squashed = _squash(paragraph)
            kept += squashed in text or squashed[len(squashed) // 5:] in text
        for line in furniture[f"p{number:05d}"]:
            inserted += 1
            left += _squash(line) in text
        if record.get("title"):
            title[1] += 1
            title[0] += bool(article and _squash(article.title or "") == _squash(record["title"]))
        if record.get("source"):
            outlet[1] += 1
            outlet[0] += bool(article and article.source == record["source"])
        if record.get("published"):
            dated[1] += 1
            dated[0] += bool(article and (article.published or "")[:10] == str(record["published"])[:10])
        else:
            # a date the text's own date line gives is inferred by cleaning, with its evidence; any other
            # date of a page whose record had none was made up by the extraction
            inferred = ((article.metadata.get("inferred") or {}).get("published") or {}) if article else {}
            invented[1] += 1
            invented[0] += bool(article and article.published and article.published != inferred.get("value"))
    return {"set": name, "pages": len(records), "stored": len(stored), "rejected": len(report.rejected),
            "paragraphs kept": f"{kept}/{total} ({kept / max(total, 1):.3f})",
            "furniture left": f"{left}/{inserted} ({left / max(inserted, 1):.3f})",
            "title right": f"{title[0]}/{title[1]}", "outlet right": f"{outlet[0]}/{outlet[1]}",
            "date right": f"{dated[0]}/{dated[1]}", "date invented": f"{invented[0]}/{invented[1]}"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=200, help="records per set")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--before", action="store_true", help="emulate the reader before round 12")
    args = parser.parse_args(argv)
    if args.before:
        _emulate_before()
    for name, rel in SETS:
        print(json.dumps(measure(name, rel, args.limit, args.seed)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

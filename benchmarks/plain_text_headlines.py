"""How often the plain-text reader takes a first line for the headline, on real headlines and lead paragraphs.

    python benchmarks/plain_text_headlines.py

A ``.txt`` file's first line is peeled off as its title only when
``storyline.ingest.shapes.looks_like_headline`` says so. Taking a lead paragraph for the title drops it from
the text (it is then not searched, enriched or grouped); leaving a headline in the text costs little (the
cleaner infers the same title from it, as for a JSON record without a title). So what matters most is how
few first paragraphs are taken, then how many headlines are. Headlines: the given titles of BASIL, AllSides
and tgpairs, the first lines of MEANTIME and PolNeAR. Lead paragraphs: the first line of the text of BASIL,
AllSides, tgpairs and GGT, and PolNeAR's second line (its first is the headline).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA  # noqa: E402

from storyline.ingest.shapes import looks_like_headline  # noqa: E402


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _jsonl(rel: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / rel).read_text("utf-8").splitlines() if line.strip()]


def samples() -> dict[str, tuple[list[str], list[str]]]:
    """Per dataset: (headlines, lead paragraphs)."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    for name, rel in (("basil", "basil/docs.jsonl"), ("allsides", "allsides/docs.jsonl"),
                      ("tgpairs", "tgpairs/docs.jsonl")):
        rows = _jsonl(rel)
        out[name] = ([r["title"] for r in rows if r.get("title")], [_lines(r["text"])[0] for r in rows if _lines(r["text"])])
    out["meantime"] = ([_lines(r["text"])[0] for r in _jsonl("meantime/docs.jsonl")], [])
    out["ggt"] = ([], [_lines(r["articleBodyText"])[0] for r in _jsonl("ggt-quotes/articles.jsonl")
                       if _lines(r.get("articleBodyText") or "")])
    for split in ("train", "dev"):
        texts = [_lines(p.read_text("utf-8")) for p in sorted((DATA / "polnear" / split / "text").glob("*.txt"))]
        out[f"polnear {split}"] = ([t[0] for t in texts if t], [t[1] for t in texts if len(t) > 1])
    return out


def main() -> int:
    print("| data | headlines taken | lead paragraphs taken (text lost) |")
    print("|---|---|---|")
    total = [0, 0, 0, 0]
    for name, (heads, leads) in samples().items():
        h = sum(map(looks_like_headline, heads))
        p = sum(map(looks_like_headline, leads))
        total = [total[0] + h, total[1] + len(heads), total[2] + p, total[3] + len(leads)]
        print(f"| {name} | {h} / {len(heads)}" + (f" ({h / len(heads):.3f})" if heads else "")
              + f" | {p} / {len(leads)}" + (f" ({p / len(leads):.3f})" if leads else "") + " |")
    print(f"| all | {total[0]} / {total[1]} ({total[0] / total[1]:.3f}) | {total[2]} / {total[3]} "
          f"({total[2] / total[3]:.3f}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Entity mentions and canonical entities: quality and speed.

    python benchmarks/eval_entities.py [ecb] [translit] [speed] [--data DIR]

ecb       Cross-document grouping of named people and places on ECB+ train+dev
          gold entity chains (entity_mentions.train_dev.json). The gold named
          mentions are located in the text, labelled with our NER where it finds
          them, and grouped by EntityResolver; B-cubed and pairwise P/R/F1 against
          the gold chains, next to a same-string baseline. ECB+ chains never cross
          topics, so predicted clusters are scored within topics too.
translit  Russian person names and their English spellings (names/en_ru_translit
          .train.tsv, the fifth held out from key tuning: crc32(english) % 5 == 0):
          how often both land on the same key, and how often unrelated names collide.
speed     NER docs/s on invented 600-word English and Russian articles, and
          EntityResolver time for 5,000 invented articles.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
import zlib
from collections import Counter, defaultdict
from pathlib import Path

import jellyfish
from _common import DATA, machine, peak_rss_mb

from storyline.enrich.canonical import EntityResolver, mention_key
from storyline.enrich.entities import EntityRecognizer, trim_mention
from storyline.enrich.names import romanize, skeleton, sound_key
from storyline.model import Mention

PRONOUNS = frozenset(
    "i me my he him his she her hers we us our they them their it its you your who whom whose this that these those"
    " himself herself themselves itself ourselves myself yourself".split()
)
PARTICLES = frozenset("of the de la du von van der al bin and".split())


# ---------------------------------------------------------------- metrics


def bcubed(gold: dict[str, str], pred: dict[str, str]) -> tuple[float, float, float]:
    gold_sets: dict[str, set[str]] = defaultdict(set)
    pred_sets: dict[str, set[str]] = defaultdict(set)
    for m, c in gold.items():
        gold_sets[c].add(m)
    for m, c in pred.items():
        pred_sets[c].add(m)
    p = r = 0.0
    for m in gold:
        g, s = gold_sets[gold[m]], pred_sets[pred[m]]
        inter = len(g & s)
        p += inter / len(s)
        r += inter / len(g)
    p, r = p / len(gold), r / len(gold)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def pairwise(gold: dict[str, str], pred: dict[str, str]) -> tuple[float, float, float]:
    def pairs(sizes: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in sizes.values())

    tp = pairs(Counter((gold[m], pred[m]) for m in gold))
    pp = pairs(Counter(pred[m] for m in gold))
    gp = pairs(Counter(gold[m] for m in gold))
    p = tp / pp if pp else 1.0
    r = tp / gp if gp else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


# ---------------------------------------------------------------- ECB+


def _is_name(tokens_str: str) -> bool:
    words = tokens_str.split()
    if not words or words[0].lower() in PRONOUNS or not words[0][:1].isupper():
        if not (words and words[0].lower() == "the" and len(words) > 1):
            return False
    content = [w for w in words if w.lower() not in PARTICLES]
    return bool(content) and all(w[:1].isupper() or not w[:1].isalpha() for w in content)


def _locate(text: str, mentions: list[dict]) -> list[tuple[dict, int, int]]:
    """Char offsets of gold mentions in the (re-detokenised) text: the i-th gold
    mention of a string, in (sentence, token) order, takes the i-th occurrence."""
    by_string: dict[str, list[dict]] = defaultdict(list)
    for m in mentions:
        by_string[m["tokens_str"]].append(m)
    out = []
    for s, ms in by_string.items():
        pattern = r"\s*".join(re.escape(t) for t in s.split())
        occ = [(x.start(), x.end()) for x in re.finditer(r"(?<!\w)" + pattern + r"(?!\w)", text)]
        ms.sort(key=lambda m: (m["sent_id"], m["tokens_number"][0]))
        for m, (a, b) in zip(ms, occ, strict=False):
            out.append((m, a, b))
    return out


def eval_ecb(data: Path) -> list[str]:
    docs = {}
    for part in ("train", "dev"):
        for line in open(data / f"ecbplus/{part}.jsonl", encoding="utf-8"):
            d = json.loads(line)
            docs[d["id"]] = d
    gold_mentions = json.load(open(data / "ecbplus/entity_mentions.train_dev.json", encoding="utf-8"))
    named = [m for m in gold_mentions if m["mention_type"] in ("HUM", "LOC") and _is_name(m["tokens_str"])]
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for m in named:
        if m["doc_id"] in docs:
            by_doc[m["doc_id"]].append(m)

    t0 = time.perf_counter()
    ner = EntityRecognizer().predict([(doc_id, docs[doc_id]["text"], "en") for doc_id in sorted(by_doc)])
    ner_time = time.perf_counter() - t0
    system = {r.article_id: r.mentions for r in ner}

    mentions_by_article: dict[str, list[Mention]] = {}
    gold: dict[str, str] = {}
    topic_of: dict[str, str] = {}
    surface: dict[str, str] = {}
    singleton: set[str] = set()
    found_by_ner = 0
    located = 0
    for doc_id, ms in sorted(by_doc.items()):
        text = docs[doc_id]["text"]
        out = []
        seen = set()
        for m, a, b in _locate(text, ms):
            located += 1
            sys_hit = next((x for x in system[doc_id] if x.start < b and a < x.end), None)
            if sys_hit is not None:
                found_by_ner += 1
                label = sys_hit.label
            else:
                label = "PERSON" if m["mention_type"] == "HUM" else "LOC"
            a2, b2 = trim_mention(text, a, b, label)
            if b2 <= a2 or (a2, b2) in seen:
                continue
            seen.add((a2, b2))
            mention = Mention(doc_id, a2, b2, text[a2:b2], label, normal=text[a2:b2])
            out.append(mention)
            k = mention_key(mention)
            gold[k] = m["coref_chain"]
            if m["is_singleton"]:
                singleton.add(k)
            topic_of[k] = docs[doc_id]["topic"]
            surface[k] = " ".join(text[a2:b2].lower().split())
        # the model's other mentions are context, as they would be in the pipeline (not scored)
        out += [x for x in system[doc_id] if not any(x.start < m.end and m.start < x.end for m in out)]
        mentions_by_article[doc_id] = out

    t0 = time.perf_counter()
    resolution = EntityResolver().resolve(
        mentions_by_article, texts={d: docs[d]["text"] for d in mentions_by_article}
    )
    resolve_time = time.perf_counter() - t0
    pred_ours = {k: f"{topic_of[k]}|{resolution.entity_of[k]}" for k in gold}
    pred_corpus = {k: resolution.entity_of[k] for k in gold}
    pred_string = {k: f"{topic_of[k]}|{surface[k]}" for k in gold}
    gold_t = {k: f"{topic_of[k]}|{g}" for k, g in gold.items()}

    lines = [
        f"ECB+ train+dev: {len(by_doc)} docs, {len(named)} gold named HUM/LOC mentions, "
        f"{located} located in text, {len(gold)} scored ({len(singleton)} of them gold singletons); "
        f"our NER overlaps {found_by_ner}/{located} ({found_by_ner / max(located, 1):.1%}) of them",
        f"NER {len(by_doc) / ner_time:.1f} docs/s; resolve {resolve_time:.2f} s",
    ]
    for title, keys in (
        ("all scored mentions", list(gold_t)),
        ("mentions of non-singleton gold chains", [k for k in gold_t if k not in singleton]),
    ):
        g = {k: gold_t[k] for k in keys}
        lines += [
            "",
            f"{title}: {len(g)} mentions, {len(set(g.values()))} gold chains",
            "",
            "| grouping | clusters | B3 P | B3 R | B3 F1 | pair P | pair R | pair F1 |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, pred in (
            ("same-string baseline (within topic)", pred_string),
            ("EntityResolver (within topic)", pred_ours),
            ("EntityResolver (corpus-wide clusters)", pred_corpus),
        ):
            p = {k: pred[k] for k in keys}
            b = bcubed(g, p)
            pw = pairwise(g, p)
            lines.append(
                f"| {name} | {len(set(p.values()))} | {b[0]:.3f} | {b[1]:.3f} | {b[2]:.3f} | "
                f"{pw[0]:.3f} | {pw[1]:.3f} | {pw[2]:.3f} |"
            )
    return lines


# ---------------------------------------------------------------- transliteration

RUSSIAN_SUFFIX = re.compile(r"(ov|ev|yov|sky|skiy|skii|skij|enko|ova|eva|vich|vna|skaya)$")


def eval_translit(data: Path, sample: int = 100_000) -> list[str]:
    rows = []
    for line in open(data / "names/en_ru_translit.train.tsv", encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 3:
            continue
        en, ru, count = parts[0], parts[1].replace(" ", ""), int(parts[2])
        if zlib.crc32(en.encode("utf-8")) % 5 == 0:  # held out from tuning
            rows.append((en, ru, count))

    def rates(subset: list[tuple[str, str, int]]) -> tuple[float, ...]:
        same = sum(sound_key(e) == sound_key(r) for e, r, _ in subset)
        weighted = sum(c for e, r, c in subset if sound_key(e) == sound_key(r))
        near = sum(
            sound_key(e) == sound_key(r)
            or (
                skeleton(e) == skeleton(r)
                and jellyfish.jaro_winkler_similarity(sound_key(e), sound_key(r)) >= 0.88
            )
            for e, r, _ in subset
        )
        total_w = sum(c for _, _, c in subset)
        # baselines: iuliia's romanisation equals the English spelling; their metaphone codes agree
        exact = sum(romanize(e) == romanize(r) for e, r, _ in subset)
        metaphone = sum(
            jellyfish.metaphone(romanize(e)) == jellyfish.metaphone(romanize(r)) for e, r, _ in subset
        )
        n = len(subset)
        return exact / n, metaphone / n, same / n, weighted / total_w, near / n, n

    russian = [r for r in rows if RUSSIAN_SUFFIX.search(r[0])]
    rng = random.Random(13)
    unique = sorted({(e, r) for e, r, _ in rows})
    same_key = near_key = same_metaphone = 0
    n = 0
    while n < sample:
        (e1, r1), (e2, r2) = rng.sample(unique, 2)
        if r1 == r2 or e1 == e2:
            continue
        n += 1
        k1, k2 = sound_key(e1), sound_key(r2)
        same_key += k1 == k2
        same_metaphone += jellyfish.metaphone(romanize(e1)) == jellyfish.metaphone(romanize(r2))
        near_key += k1 == k2 or (
            skeleton(e1) == skeleton(r2) and jellyfish.jaro_winkler_similarity(k1, k2) >= 0.88
        )
    lines = [
        f"held-out pairs: {len(rows)} (English spelling, Russian spelling); Russian-looking surnames/patronymics: {len(russian)}",
        "",
        "| pairs | n | iuliia = English (baseline) | same metaphone (baseline) | same sound key | "
        "same key, weighted by count | same key or similar (skeleton + JW>=0.88) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, subset in (
        ("all held-out pairs", rows),
        ("Russian-looking names (-ov, -sky, -enko, -vich...)", russian),
    ):
        exact, metaphone, a, w, near, size = rates(subset)
        lines.append(f"| {name} | {size} | {exact:.1%} | {metaphone:.1%} | {a:.1%} | {w:.1%} | {near:.1%} |")
    lines += [
        "",
        f"unrelated pairs (seeded sample of {sample}, English name vs a different name's Russian form): "
        f"same sound key {same_key / sample:.3%}, same-or-similar {near_key / sample:.3%}, "
        f"same metaphone (baseline) {same_metaphone / sample:.3%}",
    ]
    return lines


# ---------------------------------------------------------------- speed

_EN_FILLER = (
    "officials said on Tuesday that talks would resume after a long pause while critics argued the plan was "
    "rushed and expensive and that the region needed more time to recover from the storm"
).split()
_RU_FILLER = (
    "официальные лица заявили во вторник что переговоры возобновятся после долгой паузы а критики считают "
    "что план слишком поспешный и дорогой и региону нужно больше времени"
).split()
_EN_NAMES = [
    "Marta Kovacs",
    "Kovacs",
    "the Harbour Institute",
    "Lindenfeld",
    "Tomas Reyes",
    "Reyes",
    "Aldmoor",
]
_RU_NAMES = ["Марта Ковач", "Ковач", "Институт гавани", "Линденфельде", "Томас Рейес", "Рейеса", "Олдмуре"]


def _invented_doc(rng: random.Random, filler: list[str], names: list[str], words: int = 600) -> str:
    out: list[str] = []
    while len(out) < words:
        sentence = rng.sample(filler, 12)
        sentence.insert(rng.randrange(12), rng.choice(names))
        out += sentence
        out[-1] += "."
    out[0] = out[0].capitalize()
    return " ".join(out)


def _synthetic_mentions(n_articles: int, rng: random.Random) -> dict[str, list[Mention]]:
    """Invented corpus with news-like statistics: a few thousand people, places and
    organisations with Zipf-distributed popularity; each article names a handful
    in full and then by surname, plus passing mentions; shared surnames included."""
    syllables = [
        "ka",
        "lo",
        "mi",
        "ra",
        "ten",
        "vo",
        "dar",
        "sel",
        "un",
        "bre",
        "tor",
        "ish",
        "an",
        "gu",
        "pel",
    ]
    endings = ["ov", "ski", "enko", "in", "ez", "ic", "son", "er", "ley", "a"]

    def word(parts: int) -> str:
        return "".join(rng.choice(syllables) for _ in range(parts)).capitalize()

    given = [word(2) for _ in range(80)]
    surnames = [word(2) + rng.choice(endings) for _ in range(1500)]
    people = [(rng.choice(given), rng.choice(surnames)) for _ in range(3000)]
    orgs = [f"{word(2)} {rng.choice(['Institute', 'Bank', 'Council', 'Party', 'Group'])}" for _ in range(600)]
    places = [word(3) for _ in range(400)]
    weights = [1 / (rank + 1) for rank in range(3000)]
    out = {}
    for i in range(n_articles):
        aid = f"s{i:05d}"
        mentions: list[Mention] = []
        pos = 0

        names: list[tuple[str, str]] = []
        for g, s in rng.choices(people, weights=weights, k=4):
            names.append((f"{g} {s}", "PERSON"))
            names += [(s, "PERSON")] * rng.randrange(1, 4)
        for _ in range(6):
            names.append((rng.choices(orgs, weights=weights[:600])[0], "ORG"))
            names.append((rng.choices(places, weights=weights[:400])[0], "LOC"))
        names += [
            (rng.choices(people, weights=weights)[0][1], "PERSON") for _ in range(3)
        ]  # passing mentions
        for text, label in names:
            mentions.append(Mention(aid, pos, pos + len(text), text, label, normal=text))
            pos += len(text) + 40
        out[aid] = mentions
    return out


def eval_speed() -> list[str]:
    rng = random.Random(5)
    recognizer = EntityRecognizer()
    recognizer.predict(
        [
            ("warm-en", "Anna Petrova went to Berlin.", "en"),
            ("warm-ru", "Анна Петрова поехала в Берлин.", "ru"),
        ]
    )
    lines = []
    for lang, filler, names in (("en", _EN_FILLER, _EN_NAMES), ("ru", _RU_FILLER, _RU_NAMES)):
        docs = [(f"{lang}{i}", _invented_doc(rng, filler, names), lang) for i in range(100)]
        t0, c0 = time.perf_counter(), time.process_time()
        results = recognizer.predict(docs)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        n = sum(len(r.mentions) for r in results)
        lines.append(
            f"NER {lang}: {len(docs) / dt:.1f} docs/s wall, {len(docs) / cpu:.1f} docs per CPU-second "
            f"(600-word invented articles, 1 process), {n} mentions"
        )
    long_text = _invented_doc(rng, _EN_FILLER, _EN_NAMES, words=100_000)
    t0 = time.perf_counter()
    found = recognizer.predict([("long", long_text, "en")])[0].mentions
    lines.append(f"NER en, one 100,000-word text: {time.perf_counter() - t0:.1f} s, {len(found)} mentions")
    corpus = _synthetic_mentions(5000, rng)
    t0 = time.perf_counter()
    resolution = EntityResolver().resolve(corpus)
    lines.append(
        f"EntityResolver.resolve on 5,000 invented articles ({sum(map(len, corpus.values()))} mentions): "
        f"{time.perf_counter() - t0:.1f} s, "
        f"{len(resolution.entities)} entities"
    )
    lines.append(f"peak RSS {peak_rss_mb():.0f} MB; load average during the run: {os.getloadavg()[0]:.1f}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("parts", nargs="*", default=["ecb", "translit", "speed"])
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    print(f"command: python benchmarks/eval_entities.py {' '.join(sys.argv[1:])}".rstrip())
    for part in args.parts:
        print(f"\n## {part}\n")
        fn = {
            "ecb": lambda: eval_ecb(args.data),
            "translit": lambda: eval_translit(args.data),
            "speed": eval_speed,
        }[part]
        for line in fn():
            print(line)


if __name__ == "__main__":
    main()

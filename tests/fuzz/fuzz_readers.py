"""Coverage-guided fuzzing of the readers and cleaning with atheris (libFuzzer).

    python tests/fuzz/fuzz_readers.py -max_total_time=60 -seed=1

``read_bytes`` never raises by design: it turns any exception into a rejection.
So the target looks inside: a rejection for an *unexpected* error ("could not be
processed (...)"), or cleaning raising anything but InputRejected, is a crash
here, and libFuzzer saves the input that caused it. tests/test_fuzz.py runs this
for a few seconds with a fixed seed.
"""

from __future__ import annotations

import logging
import sys

import atheris

with atheris.instrument_imports(include=["storyline.ingest", "storyline.clean"]):
    from storyline.clean.hyphens import WordEvidence
    from storyline.errors import InputRejected
    from storyline.ingest.readers import read_bytes
    from storyline.model import ArticleDraft, Rejection
    from storyline.pipeline import prepare_article
    from storyline.settings import load_settings

logging.disable(logging.CRITICAL)  # trafilatura logs every unparseable page
SETTINGS = load_settings(env={}).replace(max_file_bytes=1_000_000)
KINDS = [".txt", ".md", ".html", ".json", ".jsonl", "", "text/html", "application/json", "text/markdown"]


class UnexpectedError(Exception):
    """A reader or cleaning failed in a way nobody planned for."""


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    kind = KINDS[fdp.ConsumeIntInRange(0, len(KINDS) - 1)]
    body = fdp.ConsumeBytes(fdp.remaining_bytes())
    for thing in read_bytes(body, "fuzz", kind_hint=kind, settings=SETTINGS):
        if isinstance(thing, Rejection):
            if thing.reason.startswith("could not be processed ("):
                raise UnexpectedError(thing.reason)
            continue
        assert isinstance(thing, ArticleDraft)
        try:
            article, _changes = prepare_article(thing, SETTINGS, WordEvidence())
        except InputRejected:
            continue
        for d, s, n in article.offset_map.runs:
            if article.text[d:d + n] != article.raw_text[s:s + n]:
                raise UnexpectedError(f"offset map run {(d, s, n)} does not match the raw text")


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

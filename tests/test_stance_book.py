"""Claim stances are read once and kept: a rebuilt report reads them from the store instead
of parsing its claims again (storyline.report.stance_book)."""

from __future__ import annotations

import pytest

from storyline import api
from storyline.report import stance_book
from storyline.report.stance import claim_stance
from storyline.report.stance_book import StanceBook, stance_digest, stance_from_json, stance_to_json


def test_a_book_computes_a_stance_once_and_records_it_per_article(monkeypatch):
    calls = []
    monkeypatch.setattr(stance_book, "claim_stance", lambda text: calls.append(text) or None)
    monkeypatch.setattr(stance_book, "parse_claims", lambda texts: None)
    known = stance_digest("Known claim.")
    book = StanceBook.from_rows([("a1", known, "v9", None), ("a1", "stale", "v8", None)], "v9")
    assert book.stance("a1", "Known claim.") is None and calls == []
    book.stance("a1", "New claim.")
    book.stance("a2", "New claim.")  # a wire copy: computed once, recorded for both articles
    assert calls == ["New claim."]
    rows = book.rows()
    assert sorted((aid, digest) for aid, digest, _v, _s in rows) == sorted(
        [("a1", stance_digest("New claim.")), ("a2", stance_digest("New claim."))])
    assert {v for _a, _d, v, _s in rows} == {"v9"}


@pytest.mark.models
def test_a_stance_survives_the_store_as_json():
    for text in ("The ministry has no plans to accept the offer from the Velmar council.",
                 "Officials said the cabinet is weighing the proposal.",
                 "If the mayor signs it, the council will not object."):
        stance = claim_stance(text)
        assert stance is not None
        assert stance_from_json(stance_to_json(stance)) == stance
    assert stance_to_json(None) is None and stance_from_json(None) is None
    # every field of a Stance is stored: one added later and left out would be lost silently
    import dataclasses
    import json

    assert set(json.loads(stance_to_json(stance))) == {f.name for f in dataclasses.fields(stance)}


def _multi_outlet_event(store):
    """The largest event with claims whose stances the pipeline stored."""
    held = {aid for aid, *_ in store.db.execute("SELECT article_id FROM claim_stances")}
    events = [e for e in store.events() if held & set(e["article_ids"])]
    assert events, "the demo pipeline stored no claim stance"
    return max(events, key=lambda e: len(e["article_ids"]))


@pytest.mark.models
def test_a_rebuilt_report_parses_no_claim_and_equals_the_first(demo_copy, monkeypatch):
    event = _multi_outlet_event(demo_copy)
    before = api.event_report_view(demo_copy, event["id"])
    monkeypatch.setattr(stance_book, "claim_stance", lambda text: pytest.fail(f"parsed again: {text!r}"))
    monkeypatch.setattr(stance_book, "parse_claims",
                        lambda texts: texts and pytest.fail(f"parsed again: {texts[:1]!r}"))
    demo_copy.db.execute("UPDATE event_reports SET fingerprint = 'old' WHERE event_id = ?", (event["id"],))
    stats = api.materialise_reports(demo_copy, full=True)
    assert stats["event_ids"] == [event["id"]]
    after = api.event_report_view(demo_copy, event["id"])
    before.pop("stats"), after.pop("stats")
    assert after == before


@pytest.mark.models
def test_stances_of_another_version_are_read_again_and_replaced(demo_copy, monkeypatch):
    event = _multi_outlet_event(demo_copy)
    ids = event["article_ids"]
    marks = ",".join("?" * len(ids))
    demo_copy.db.execute(f"UPDATE claim_stances SET version = 'stance-v0' WHERE article_id IN ({marks})", ids)
    parsed = []
    original = stance_book.claim_stance
    monkeypatch.setattr(stance_book, "claim_stance", lambda text: parsed.append(text) or original(text))
    demo_copy.db.execute("UPDATE event_reports SET fingerprint = 'old' WHERE event_id = ?", (event["id"],))
    api.materialise_reports(demo_copy, full=True)
    assert parsed
    versions = {v for (v,) in demo_copy.db.execute(
        f"SELECT DISTINCT version FROM claim_stances WHERE article_id IN ({marks})", ids)}
    assert versions == {stance_book.stance_version()}

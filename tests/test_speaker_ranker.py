"""The learned speaker ranker (storyline.enrich.speaker_ranker) and the quote shapes added with it:
parenthetical attributions, paragraphs the parser must not join, quotes continued over
paragraphs. Invented sentences."""

from __future__ import annotations

import json

import pytest

from storyline.enrich.speaker_ranker import (
    SpeakerModel,
    article_candidates,
    load_speaker_model,
    use_speaker_model,
)


def _quotes(text: str, model: object = "packaged") -> list[tuple[str, str | None, str | None, str]]:
    from storyline.enrich.quotes import extract_quotes
    from storyline.stages import english_docs

    doc = english_docs([text])[0]
    if model == "packaged":
        found = extract_quotes("a1", text, "en", doc)
    else:
        with use_speaker_model(model):  # type: ignore[arg-type]
            found = extract_quotes("a1", text, "en", doc)
    return [(q.text, q.speaker, q.cue, q.kind) for q in found]


def test_model_file_round_trips_and_names_a_wrong_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = SpeakerModel({"bias": -1.0, "rule": 2.5}, {"seed": 13})
    assert SpeakerModel.from_json(json.loads(json.dumps(model.to_json()))) == model
    assert model.score({"bias": 1.0, "rule": 1.0, "unknown": 1.0}) == 1.5
    with pytest.raises(ValueError, match="storyline train speakers"):
        SpeakerModel.from_json({"name": "attribution", "weights": {}})
    assert load_speaker_model(str(tmp_path / "missing.json")) is None


@pytest.mark.models
def test_parenthetical_attribution_gives_both_sides() -> None:
    text = "The new bridge will carry trains by spring, the engineer says, and will cost less than the old ferry."
    assert _quotes(text, None) == [
        ("The new bridge will carry trains by spring", "the engineer", "says", "indirect"),
        ("and will cost less than the old ferry", "the engineer", "says", "indirect"),
    ]


@pytest.mark.models
def test_a_paragraph_after_an_abbreviation_is_its_own_sentence() -> None:
    text = "The crew flew back to Moncton from Truro, N.S.\n\nOkafor said that the trial runs had gone well on every line."
    assert _quotes(text, None) == [
        ("the trial runs had gone well on every line", "Okafor", "said", "indirect")
    ]


@pytest.mark.models
def test_a_quote_over_several_paragraphs_is_one_quote_per_paragraph() -> None:
    text = (
        "The mayor spoke at the pier.\n\n"
        "“We have waited nine years for this bridge. It will carry trains by spring.\n\n"
        "“Nobody here will forget the ferry days, but nobody will miss them either,” Mayor Lena Okafor said."
    )
    assert _quotes(text, None) == [
        (
            "We have waited nine years for this bridge. It will carry trains by spring.",
            "Mayor Lena Okafor",
            "said",
            "direct",
        ),
        (
            "Nobody here will forget the ferry days, but nobody will miss them either,",
            "Mayor Lena Okafor",
            "said",
            "direct",
        ),
    ]


@pytest.mark.models
def test_candidates_carry_the_rules_choice_and_the_cue_subject() -> None:
    from storyline.enrich.quotes import rule_attributions
    from storyline.stages import english_docs

    text = (
        "Harbour master Ines Varga met the ferry crews on Friday.\n\n"
        '"The night crossings stop next week," Varga said.\n\n'
        '"We will run two boats in the morning instead," she said.'
    )
    doc = english_docs([text])[0]
    ctx, found = rule_attributions(text, "en", doc)
    per_quote = article_candidates(ctx, doc, found)
    assert [a.kind for a in found] == ["direct", "direct"]
    first = {text[c.start : c.end]: c.features for c in per_quote[0]}
    assert first["Varga"]["cue_subj"] == 1.0 and first["Varga"]["rule"] == 1.0
    second = {text[c.start : c.end]: c.features for c in per_quote[1]}
    assert second["Varga"]["prev"] == 1.0  # the previous quote's speaker
    assert all(any(k.startswith("sit|kind=pron|") for k in f) for f in second.values())  # "she said"


@pytest.mark.models
def test_ranker_keeps_a_nominal_speaker_and_names_the_pronoun() -> None:
    text = (
        "Harbour master Ines Varga met the ferry crews on Friday.\n\n"
        '"The night crossings stop next week," a port official said.\n\n'
        '"We will run two boats in the morning instead," Varga said.\n\n'
        '"Nobody loses a job over this," she said.'
    )
    assert [q[1] for q in _quotes(text)] == ["a port official", "Varga", "Varga"]

"""The learned boilerplate line classifier, as the cleaner uses it."""

from __future__ import annotations

from storyline.clean import clean_text
from storyline.clean.hyphens import WordEvidence
from storyline.clean.lines import FEATURES, line_features, line_key, load_line_model

STORY = (
    "Ferry service to Orla Island resumes\n"
    "Ferries to Orla Island will run again from Tuesday after the pier was repaired, the port authority said.\n"
    "Captain Ines Varga said the crossings would start at six in the morning.\n"
    "Islanders had waited three weeks for the repairs.\n"
)


def test_packaged_model_matches_the_features():
    model = load_line_model()
    assert model is not None
    assert model.features == FEATURES
    assert 0.5 <= model.threshold < 1.0
    assert model.meta["command"].startswith("storyline train boilerplate")


def test_furniture_lines_go_and_story_lines_stay():
    raw = STORY + "Share Post Message Print\nTags Orla Island Port Authority Ines Varga\nView all Islands stories\n"
    result = clean_text(raw)
    assert result.text == STORY.strip()
    assert result.metadata["tags"] == ["Orla Island Port Authority Ines Varga"]
    reasons = [c.reason.split(" (")[0] for c in result.changes]
    assert reasons.count("boilerplate: line classifier") == 3


def test_a_short_text_is_never_emptied():
    assert clean_text("Keywords Orla Island\nShare Post").text == "Keywords Orla Island\nShare Post"


def test_tag_line_with_colon_gives_each_tag():
    result = clean_text(STORY + "Tags: Orla Island, ferries; Ines Varga\n")
    assert result.metadata["tags"] == ["Orla Island", "ferries", "Ines Varga"]
    assert "Tags" not in result.text


def test_lines_repeated_across_the_batch_count_as_evidence():
    lines = STORY.strip().split("\n") + ["Orla Island Gazette weekly"]
    alone = line_features(lines, 4, 0)
    shared = line_features(lines, 4, 9)
    assert alone[FEATURES.index("batch_repeats")] == 0.0
    assert shared[FEATURES.index("batch_repeats")] > 2.0
    model = load_line_model()
    assert model.probability(shared) > model.probability(alone)
    evidence = WordEvidence.from_texts([STORY + "Orla Island Gazette weekly\n"] * 3)
    assert evidence.line_count(line_key("Orla  Island Gazette WEEKLY")) == 3

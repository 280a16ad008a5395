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


def test_training_labels_the_headline_as_a_class_of_its_own():
    from storyline.clean.train_lines import FURNITURE, GENUINE, HEADLINE, labelled_lines

    headline = STORY.split("\n")[0]
    labels = [(label, line) for _x, label, line in labelled_lines([(STORY, headline)], seed=1)]
    assert [line for label, line in labels if label == HEADLINE] == [headline]
    assert [line for label, line in labels if label == FURNITURE] == [
        "See all Science", "Get the day's top stories delivered to your inbox every morning.", "More from Sports",
        "Read more: Court hears appeal in school funding case", "Related: New ferry line opens to island towns"]
    # without a known headline the same line is a plain genuine line
    assert (GENUINE, headline) in [(label, line) for _x, label, line in labelled_lines([STORY], seed=1)]
    # a clean text gets no furniture at all
    clean = [label for _x, label, _line in labelled_lines([(STORY, headline)], seed=1, clean_share=1.0)]
    assert clean == [HEADLINE, GENUINE, GENUINE, GENUINE]


def test_story_batches_keep_the_datasets_order_within_a_batch():
    from itertools import groupby

    from storyline.clean.train_lines import BATCH, Recipe, training_order

    texts = list(range(2 * BATCH + 10))  # three batches: 0-49, 50-99, 100-109
    batched = training_order(texts, seed=3, recipe=Recipe(story_batches=True))
    assert sorted(batched) == texts
    # each batch stays whole (a run of one dataset's consecutive texts: one topic or story after another)
    assert len([k for k, _run in groupby(t // BATCH for t in batched)]) == 3
    shuffled = training_order(texts, seed=3)
    assert sorted(shuffled) == texts
    assert len([k for k, _run in groupby(t // BATCH for t in shuffled)]) > 3

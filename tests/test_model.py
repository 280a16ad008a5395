import pytest

from storyline.model import Edit, OffsetMap, apply_edits, content_hash


def test_apply_edits_maps_clean_offsets_back_to_raw():
    raw = "The gov-ernment said"
    text, omap = apply_edits(raw, [Edit(7, 8, "", "hyphen")])
    assert text == "The government said"
    assert omap.to_source(text.index("said")) == raw.index("said")
    assert omap.to_source(4) == 4


def test_compose_chains_two_cleaning_steps():
    raw = "  A  b-c d"
    step1, m1 = apply_edits(raw, [Edit(0, 2, ""), Edit(3, 5, " ")])  # "A b-c d"
    step2, m2 = apply_edits(step1, [Edit(3, 4, "")])  # "A bc d"
    assert step2 == "A bc d"
    full = m2.compose(m1)
    assert [raw[full.to_source(i)] for i in range(len(step2))] == ["A", " ", "b", "c", " ", "d"]


def test_overlapping_edits_are_a_bug():
    with pytest.raises(ValueError, match="overlapping"):
        apply_edits("abcdef", [Edit(0, 3, ""), Edit(2, 4, "")])


def test_offset_map_round_trips_through_json():
    _text, omap = apply_edits("a--b", [Edit(1, 3, "-")])
    assert OffsetMap.from_json(omap.to_json()) == omap


def test_content_hash_ignores_whitespace_and_case():
    assert content_hash("Title", "Some  text\n") == content_hash("title", "some text")
    assert content_hash("Title", "Some text") != content_hash("Title", "Other text")

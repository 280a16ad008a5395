import json

from storyline.cluster.near_duplicates import NearDuplicateIndex, shingles

WIRE = (
    "GREYPORT (Gull Wire) - The harbour bridge in Greyport will close for six weeks from March for repairs, "
    "mayor Alma Verrin said on Tuesday, citing corrosion that inspectors found last autumn. Ferries will run "
    "every twenty minutes while the bridge is shut, and cyclists may use the old tunnel at night."
)
REPOST = "Bridge to close for repairs\n" + WIRE + " Copyright Gull Wire."
OWN_WORDS = (
    "Greyport's mayor Alma Verrin has ordered the harbour bridge shut from March. Engineers told our reporter the "
    "steel is badly corroded; the city will add ferries and open the tunnel to cyclists."
)


def test_shingles_are_word_ngrams():
    assert shingles("One two three", size=2) == {"one two", "two three"}
    assert shingles("Short", size=5) == {"short"}
    assert shingles("", size=5) == set()


def test_copies_form_a_group_whose_original_is_the_earliest_published():
    index = NearDuplicateIndex()
    assert index.add("herald", REPOST, "2025-02-12") is None
    assert index.add("wire", WIRE, "2025-02-11") == "dup_000001"
    assert index.add("gazette", OWN_WORDS, "2025-02-11") is None
    group = index.group("dup_000001")
    assert group.article_ids == ("herald", "wire")
    assert group.original == "wire"
    assert index.similarity("herald", "wire") > 0.8


def test_a_signature_computed_elsewhere_groups_as_the_text_does():
    index = NearDuplicateIndex()
    elsewhere = NearDuplicateIndex()  # a Spark executor's, with the same parameters
    index.add("herald", REPOST, "2025-02-12", signature=elsewhere.signature(REPOST))
    assert index.add("wire", "", "2025-02-11", signature=elsewhere.signature(WIRE)) == "dup_000001"
    assert index.add("gazette", "", "2025-02-11", signature=elsewhere.signature(OWN_WORDS)) is None
    assert index.similarity("herald", "wire") > 0.8 and index.group("dup_000001").original == "wire"


def test_state_round_trips_through_json_and_keeps_group_ids():
    index = NearDuplicateIndex()
    index.add("wire", WIRE, "2025-02-11")
    index.add("herald", REPOST, None)
    restored = NearDuplicateIndex.from_state(json.loads(json.dumps(index.to_state())))
    assert restored.add("post", WIRE.replace("six weeks", "seven weeks"), "2025-02-13") == "dup_000001"
    assert restored.add("wire", WIRE) == "dup_000001"  # already indexed: nothing changes
    assert restored.groups()[0].article_ids == ("wire", "herald", "post")
    assert restored.original("dup_000001") == "wire"

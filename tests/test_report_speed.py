"""What the report stage skips or spreads to save time, with the same reports as before:
no discrepancy search for an event one outlet covers, builds in forked workers."""

from __future__ import annotations

import dataclasses

import pytest

import storyline
from storyline import materialise
from storyline.report import build, build_event_report
from storyline.report.claims import align_claims, claim_facts, split_claims
from storyline.report.discrepancies import find_discrepancies

from .test_report import orvel_event
from .test_report_fixtures import WordHashEncoder


def _one_outlet(event):
    """The Orvel event as if the Gull Wire had written all three articles."""
    return dataclasses.replace(event, articles=[dataclasses.replace(a, source="Gull Wire") for a in event.articles])


def test_an_event_one_outlet_covers_has_no_discrepancies_to_find():
    event = _one_outlet(orvel_event())
    articles = {a.id: a for a in event.articles}
    claims = [c for a in event.articles for c in split_claims(a, event.event_id)]
    vectors = WordHashEncoder().encode([c.text for c in claims])
    facts = claim_facts(claims, articles, event.mentions, event.dates, event.entities)
    groups, claims = align_claims(claims, vectors, facts, list(event.articles), event.duplicate_groups)
    # the search itself finds nothing (the spelling Tarnovska / Tarnowska is one outlet's typo) ...
    assert find_discrepancies(groups, claims, facts, vectors, articles, event.entities, event.mentions) == []
    # ... and the three outlets of the real event do disagree
    assert build_event_report(orvel_event(), encoder=WordHashEncoder()).discrepancies


def test_the_report_of_a_one_outlet_event_skips_the_discrepancy_search(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("searched for discrepancies in a one-outlet event")

    monkeypatch.setattr(build, "find_discrepancies", never)
    report = build_event_report(_one_outlet(orvel_event()), encoder=WordHashEncoder())
    assert report.discrepancies == () and len(report.claims) > 0
    with pytest.raises(AssertionError, match="one-outlet"):
        build_event_report(orvel_event(), encoder=WordHashEncoder())


@pytest.mark.models
def test_reports_built_in_two_workers_equal_those_built_in_one_process(demo_store, tmp_path, monkeypatch):
    monkeypatch.setattr(materialise, "POOL_MIN_REPORTS", 2)
    monkeypatch.setattr(materialise, "REPORT_CHUNK", 3)  # several chunks over one pool
    pools = []
    real_pool = materialise._report_pool
    monkeypatch.setattr(materialise, "_report_pool", lambda *a: pools.append(real_pool(*a)) or pools[-1])
    stored = {}
    for workers in (1, 2):
        copy = storyline.open_store(tmp_path / f"w{workers}.db")
        demo_store.db.backup(copy.db)
        with copy.transaction():
            copy.db.execute("DELETE FROM event_reports")
        settings = dataclasses.replace(storyline.load_settings(env={}), enrich_workers=workers)
        stats = materialise.materialise_reports(copy, settings)
        assert stats["materialised"] == len(copy.events()) >= 4
        # (each view's stats hold its build's seconds, which differ from run to run)
        stored[workers] = ({eid: view | {"stats": view["stats"] | {"seconds": None}}
                            for eid, view in copy.iter_report_views()},
                           [(q.article_id, q.start, q.group_id) for q in copy.quotes()])
        copy.close()
    # one worker: built here (asked at each chunk); two: one pool for every chunk
    assert pools == [None, None, pools[-1]] and pools[-1] is not None
    assert stored[1] == stored[2] and any(g for _a, _s, g in stored[2][1])


def _blas_threads() -> set[int]:
    from threadpoolctl import threadpool_info

    return {int(lib["num_threads"]) for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_the_report_stage_and_its_forked_workers_run_blas_on_one_thread(monkeypatch):
    # OpenBLAS's idle threads spin after each small product, on the cores the stance parse and the
    # other worker need (run 19 in benchmarks/results/speed.md)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    seen = {}

    def stage(*args, **kwargs):
        seen["stage"] = _blas_threads()
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            seen["worker"] = pool.submit(_blas_threads).result()
        return {}

    monkeypatch.setattr(materialise, "_materialise_reports", stage)
    if _blas_threads() == {1}:
        pytest.skip("BLAS runs one thread here anyway (one core)")
    materialise.materialise_reports(None)
    assert seen == {"stage": {1}, "worker": {1}}
    assert _blas_threads() != {1}  # and the limit ends with the stage

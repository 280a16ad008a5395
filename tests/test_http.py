"""The HTTP API over the demo store: one JSON error shape, and the same data as the library."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from storyline.http import create_app

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def client(demo_store):
    return TestClient(create_app(demo_store.path))


def test_articles_events_and_search(client, demo_store):
    body = client.get("/api/articles", params={"limit": 5}).json()
    assert body["total"] == 15 and len(body["articles"]) == 5 and "text" not in body["articles"][0]
    events = client.get("/api/events").json()["events"]
    assert len(events) == 4
    hits = client.get("/api/search", params={"q": "Seltva"}).json()["hits"]
    assert hits and all(h["article_id"] for h in hits)
    one = client.get(f"/api/articles/{body['articles'][0]['id']}").json()
    assert one["text"] == demo_store.article(one["id"]).text


def test_event_report_and_page(client):
    event = max(client.get("/api/events").json()["events"], key=lambda e: len(e["article_ids"]))
    report = client.get(f"/api/events/{event['id']}/report").json()
    assert report["event_id"] == event["id"] and 3 <= len(report["summary"]) <= 7
    page = client.get(f"/events/{event['id']}")
    assert page.status_code == 200 and "Seltva" in page.text
    assert event["id"] in client.get("/").text


@pytest.mark.parametrize(("path", "status"), [("/api/articles/nope", 404), ("/api/events/ev_999999", 404),
                                              ("/api/entities/Nobody%20Atall", 404), ("/api/articles?limit=0", 400),
                                              ("/api/search", 400)])
def test_one_error_shape(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert set(response.json()) == {"error"} and set(response.json()["error"]) == {"type", "message"}


@pytest.mark.parametrize("path", ["/api/search/hits?q=dam&since=notadate", "/api/overview?since=2026-13-45",
                                  "/api/search/hits?q=dam&until=15/05/2026"])
def test_a_date_filter_that_is_not_a_date_is_refused(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "is not a date; give an ISO date" in response.json()["error"]["message"]


def test_splitting_every_article_out_of_an_event_is_a_bad_request_not_an_internal_error(demo_copy):
    writer = TestClient(create_app(demo_copy.path, token="t0ken-for-tests"))
    event = writer.get("/api/events").json()["events"][0]
    response = writer.post("/api/events/split", json={"event_id": event["id"], "article_ids": event["article_ids"]},
                           headers={"Authorization": "Bearer t0ken-for-tests"})
    assert response.status_code == 400
    assert "would leave it empty" in response.json()["error"]["message"]


def test_a_correction_that_changes_nothing_is_refused_and_not_logged(demo_copy):
    from storyline import api
    from storyline.errors import ConfigError

    event = demo_copy.events()[0]
    before = len(api.decision_log(demo_copy))
    with pytest.raises(ConfigError, match="one event already"):
        api.merge_events(demo_copy, event["id"], event["id"])
    with pytest.raises(ConfigError, match="nothing to move"):
        api.move_article(demo_copy, event["article_ids"][0], event["id"])
    assert len(api.decision_log(demo_copy)) == before


def test_the_audit_log_shows_parameters_for_people(demo_copy):
    from storyline import api

    event = demo_copy.events()[0]
    api.move_article(demo_copy, event["article_ids"][0], None, by="ana")
    assert api.decision_log(demo_copy)[0]["details"] == f"article={event['article_ids'][0]} to=(an event of its own)"


def test_a_merged_away_event_points_to_the_event_it_lives_on_in(demo_copy):
    from storyline import api
    from storyline.errors import NotFound

    keep, other = (e["id"] for e in demo_copy.events()[:2])
    api.merge_events(demo_copy, keep, other)
    with pytest.raises(NotFound, match=f"was merged into '{keep}'"):
        demo_copy.event(other)
    page = TestClient(create_app(demo_copy.path)).get(f"/events/{other}", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (301, f"/events/{keep}")


@pytest.mark.parametrize("path", ["/api/articles", "/api/events", "/api/entities"])
def test_every_list_says_which_page_it_is(client, path):
    body = client.get(path, params={"limit": 3, "offset": 1}).json()
    assert (body["offset"], body["limit"]) == (1, 3) and body["total"] >= 4

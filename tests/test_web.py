"""The web app over the demo store (FastAPI TestClient): pages and their JSON twins, tokens,
CSRF, security headers, hostile text, uploads in the background, corrections and undo."""

from __future__ import annotations

import sqlite3
import time

import pytest
from fastapi.testclient import TestClient

from storyline import analysis, api, ingest, load_settings, open_store
from storyline.errors import ConfigError
from storyline.http import create_app
from storyline.http_security import CSP

pytestmark = pytest.mark.models
TOKEN = "test-token-123"
HOSTILE = ("Hostile <script>alert('x')</script> headline\n"
           "Body with <img src=x onerror=alert(1)> and [a link](javascript:alert(2)) and "
           "<a href=\"javascript:alert(3)\">click</a> in Port Elvan, the union said on Monday.\n")


def copy_store(demo_store, tmp_path):
    path = tmp_path / "copy.db"
    dst = sqlite3.connect(path)
    demo_store.db.backup(dst)
    dst.close()
    return path


@pytest.fixture(scope="module")
def reader(demo_store):
    return TestClient(create_app(demo_store.path, token=TOKEN))


@pytest.fixture
def writable(demo_store, tmp_path):
    path = copy_store(demo_store, tmp_path)
    with TestClient(create_app(path, token=TOKEN)) as client:
        yield client, path


def sign_in(client) -> str:
    r = client.post("/login", data={"token": TOKEN, "next": "/audit"}, follow_redirects=False)
    assert r.status_code == 303 and "storyline_session" in r.headers["set-cookie"]
    assert "httponly" in r.headers["set-cookie"].lower() and "samesite=strict" in r.headers["set-cookie"].lower()
    page = client.get("/audit").text
    return page.split('name="csrf" value="')[1].split('"')[0]


def test_every_page_renders_and_has_a_json_twin(reader, demo_store):
    events = demo_store.events()
    big = max(events, key=lambda e: len(e["article_ids"]))
    entity = demo_store.entities()[0]
    article = demo_store.articles(limit=1)[0]
    story = demo_store.storylines()[0]
    pages = {"/": "/api/overview", f"/events/{big['id']}": f"/api/events/{big['id']}/report",
             f"/stories/{story['id']}": f"/api/storylines/{story['id']}",
             f"/entities/{entity['id']}": f"/api/entities/{entity['id']}/profile",
             f"/articles/{article.id}": f"/api/articles/{article.id}/annotated",
             "/outlets/NORDPRESS": "/api/outlets/NORDPRESS", "/search?q=dam": "/api/search/hits?q=dam",
             "/rejects": "/api/rejects", "/audit": "/api/decisions", "/outlets": "/api/outlets", "/add": "/api/jobs"}
    for page, twin in pages.items():
        r = reader.get(page)
        assert r.status_code == 200, page
        assert r.headers["content-type"].startswith("text/html")
        j = reader.get(twin)
        assert j.status_code == 200, twin
        assert j.headers["content-type"].startswith("application/json")
    assert big["title"] in reader.get("/").text
    assert "Where outlets disagree" in reader.get(f"/events/{big['id']}").text


def test_lists_are_paged_and_errors_have_one_shape(reader):
    body = reader.get("/api/overview", params={"limit": 2}).json()
    assert body["total"] == 4 and len(body["events"]) == 2 and body["limit"] == 2
    for path in ("/api/overview?limit=1000", "/api/overview?sort=sideways", "/api/entities/Nobody%20Atall/profile",
                 "/api/outlets/No%20Such%20Outlet"):
        r = reader.get(path)
        assert r.status_code in (400, 404), path
        assert set(r.json()) == {"error"} and set(r.json()["error"]) == {"type", "message"}
    assert reader.get("/events/ev_999999").status_code == 404


def test_security_headers_on_pages_and_api(reader):
    for path in ("/", "/api/overview", "/static/app.css", "/events/ev_999999"):
        r = reader.get(path)
        assert r.headers["content-security-policy"] == CSP
        assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"


def test_no_inline_script_and_assets_are_local(reader):
    html = reader.get("/").text
    assert "<script>" not in html and " on" + "click=" not in html and "https://" not in html
    assert '<script src="/static/htmx.min.js" defer></script>' in html
    assert reader.get("/static/htmx.min.js").status_code == 200


def test_writes_are_refused_without_the_token(writable):
    client, _ = writable
    r = client.post("/api/events/merge", json={"keep": "ev_000001", "other": "ev_000002"})
    assert r.status_code == 401 and r.json()["error"]["type"] == "unauthorized"
    r = client.post("/api/events/merge", json={"keep": "ev_000001", "other": "ev_000002"},
                    headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401
    r = client.post("/actions/events/merge", data={"keep": "ev_000001", "other": "ev_000002", "csrf": "x"})
    assert r.status_code == 401 and "Sign in" in r.text
    assert client.post("/login", data={"token": "nope"}).status_code == 401
    assert len(client.get("/api/overview").json()["events"]) == 4
    assert "Sign in" in client.get("/add").text and 'type="file"' not in client.get("/add").text


def test_csrf_is_checked_on_forms(writable):
    client, _ = writable
    sign_in(client)
    r = client.post("/actions/events/merge", data={"keep": "ev_000001", "other": "ev_000002", "csrf": "forged"})
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post("/api/events/merge", json={"keep": "ev_000001", "other": "ev_000002"})
    assert r.status_code == 401  # a cookie alone does not authorise API writes without the CSRF header
    assert client.get("/api/overview").json()["total"] == 4


def test_merge_in_the_browser_is_audited_and_undone(writable):
    client, path = writable
    csrf = sign_in(client)
    r = client.post("/actions/events/merge", data={"keep": "ev_000001", "other": "ev_000002", "csrf": csrf,
                                                   "by": "Ann Analyst", "note": "same flood"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/events/ev_000001")
    assert client.get("/api/overview").json()["total"] == 3
    log = client.get("/api/decisions").json()["decisions"]
    assert log[0]["kind"] == "event.merge" and log[0]["by"] == "Ann Analyst" and log[0]["note"] == "same flood"
    assert log[0]["created_at"]
    r = client.post("/actions/undo", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/api/overview").json()["total"] == 4
    log = client.get("/api/decisions").json()["decisions"]
    assert log[0]["kind"] == "undo" and log[1]["undone"]
    with open_store(path) as s:  # later runs read the same state: the merge stays undone
        assert len(s.event("ev_000002")["article_ids"]) == 6


def test_api_writes_with_the_bearer_token(writable):
    client, _ = writable
    auth = {"Authorization": f"Bearer {TOKEN}"}
    total = client.get("/api/entities").json()["total"]
    people = client.get("/api/entities", params={"type": "person"}).json()["entities"]
    r = client.post("/api/entities/merge", json={"keep": people[0]["id"], "other": people[1]["id"], "by": "bot"},
                    headers=auth)
    assert r.status_code == 200
    assert client.get("/api/entities").json()["total"] == total - 1
    assert client.post("/api/decisions/undo", json={}, headers=auth).status_code == 200
    assert client.get("/api/entities").json()["total"] == total
    r = client.post("/api/decisions/undo", json={}, headers=auth)
    assert r.status_code == 404 and r.json()["error"]["type"] == "not_found"


def test_an_event_page_is_drawn_once_per_store_state_for_readers(writable, monkeypatch):
    client, path = writable
    with open_store(path) as s:
        keep, other = [e["id"] for e in s.events()[:2]]
    first = client.get(f"/events/{keep}")
    drawn = []
    original = api.event_report_view
    monkeypatch.setattr(api, "event_report_view", lambda *a, **k: drawn.append(a[1]) or original(*a, **k))
    again = client.get(f"/events/{keep}")
    assert again.status_code == 200 and again.text == first.text and drawn == []  # not drawn again
    assert client.get(f"/events/{keep}", params={"done": "x"}).status_code == 200 and drawn == [keep]
    r = client.post("/api/events/merge", json={"keep": keep, "other": other, "by": "bot"},
                    headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200
    after = client.get(f"/events/{keep}")  # the store changed: drawn anew
    assert drawn == [keep, keep] and after.text != first.text
    gone = client.get(f"/events/{other}", follow_redirects=False)  # merged away: on to where it lives
    assert (gone.status_code, gone.headers["location"]) == (301, f"/events/{keep}")


def test_event_undo_is_refused_after_later_changes(demo_store, tmp_path):
    with open_store(copy_store(demo_store, tmp_path)) as s:
        api.merge_events(s, "ev_000001", "ev_000002")
        first = api.decision_log(s)[0]["id"]
        api.merge_events(s, "ev_000003", "ev_000004")
        with pytest.raises(ConfigError, match="changed after decision"):
            api.undo_decision(s, first)
        with pytest.raises(ConfigError, match="undo later decisions first"):
            api.undo_decision(s, first)
        api.undo_decision(s)
        api.undo_decision(s)
        assert len(s.events()) == 4


def test_hostile_text_is_shown_inert(demo_store, tmp_path, reader):
    path = copy_store(demo_store, tmp_path)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "hostile.txt").write_text(HOSTILE, "utf-8")
    with open_store(path) as s:
        report = ingest(s, [tmp_path / "in"], settings=load_settings(env={}))
        aid = report.added[0]
    client = TestClient(create_app(path, token=TOKEN))
    for page in (f"/articles/{aid}", "/search?q=hostile", "/outlets"):
        html = client.get(page).text
        assert "<script>alert" not in html and "<img src=x" not in html, page
        assert 'href="javascript:' not in html.lower(), page
    html = client.get(f"/articles/{aid}").text
    assert "&lt;script&gt;alert(" in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_upload_runs_in_the_background_and_reports_rejects(writable):
    client, _ = writable
    auth = {"Authorization": f"Bearer {TOKEN}"}
    files = [("files", ("harbour.txt", b"Harbour cranes stop in Port Elvan\nDock workers in Port Elvan walked "
                        b"out on Monday, halting all twelve cranes, the union said.\n", "text/plain")),
             ("files", ("scan.pdf", b"%PDF-1.4 binary", "application/pdf"))]
    r = client.post("/api/jobs", files=files, data={"urls": "http://127.0.0.1:9/private"}, headers=auth)
    assert r.status_code == 202, r.text
    job = r.json()
    for _ in range(240):
        job = client.get(f"/api/jobs/{job['id']}").json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.5)
    assert job["status"] == "done", job
    assert len(job["added"]) == 1
    reasons = {r["item"]: r["reason"] for r in job["rejected"]}
    assert "PDF" in reasons["scan.pdf"]
    assert any("127.0.0.1" in why and ("loopback" in why or "non-public" in why) for why in reasons.values()), reasons
    assert client.get("/api/articles").json()["total"] == 16
    assert client.get(f"/articles/{job['added'][0]}").status_code == 200
    assert client.post("/api/jobs", headers=auth).status_code == 400
    too_big = [("files", ("big.txt", b"x" * (21 * 1024 * 1024), "text/plain"))]
    r = client.post("/api/jobs", files=too_big, headers=auth)
    assert r.status_code == 413 and "too large" in r.json()["error"]["message"]


def test_analysis_views(demo_store):
    page = analysis.event_rows(demo_store, sort="size", limit=2)
    assert [e["size"] for e in page.items] == [6, 4] and page.next_offset == 2
    assert analysis.event_rows(demo_store, language="ru").total == 1
    assert analysis.event_rows(demo_store, min_size=5).total == 1
    assert analysis.event_rows(demo_store, until="2000-01-01").total == 0
    with pytest.raises(ConfigError):
        analysis.paginate([], 0, 500)
    a = demo_store.articles(limit=1)[0]
    view = analysis.article_view(demo_store, a.id, (0, 10))
    assert "".join(seg.text for seg in view["segments"]) == a.text
    assert "".join(seg.text for seg in view["segments"] if seg.target) == a.text[:10]
    outlet = analysis.outlet_view(demo_store, "NORDPRESS")
    assert outlet["covered"] and all("NORDPRESS" not in e["outlets"] for e in outlet["blind_spots"])
    assert analysis.scripts("Волошенко") == ["Cyrillic"] and analysis.scripts("Voloshenko") == ["Latin"]


def test_an_event_page_says_why_each_article_is_there(demo_store, reader):
    big = max(demo_store.events(), key=lambda e: len(e["article_ids"]))
    why = analysis.membership_view(demo_store, big["id"], big["article_ids"])
    assert [w["how"] for w in why.values()] == ["opened"] + ["joined"] * 5
    first = why[big["article_ids"][0]]
    assert (first["probability"], first["reasons"], first["note"]) == (0.0, [], "no event within the time window")
    joined = [w for w in why.values() if w["how"] == "joined"]
    assert all(w["probability"] >= 0.9 and len(w["reasons"]) == 3 for w in joined)
    assert all(w["reasons"][0] == "words shared with the event" for w in joined)
    page = reader.get(f"/events/{big['id']}").text
    assert page.count("<summary>why here</summary>") == 6
    assert "Opened the event." in page and "Joined with probability 1.0: words shared with the event" in page
    outlets = {demo_store.article(a).source for a in big["article_ids"]}
    assert f"6 articles from {len(outlets)} outlets ·" in page and "with no known outlet" not in page


def test_after_a_merge_the_absorbed_articles_say_they_came_later(demo_store, tmp_path):
    with open_store(copy_store(demo_store, tmp_path)) as s:
        before = {e["id"]: e["article_ids"] for e in s.events()}
        api.merge_events(s, "ev_000001", "ev_000002")
        merged = s.event("ev_000001")
        why = analysis.membership_view(s, "ev_000001", merged["article_ids"])
        assert {a for a, w in why.items() if w["how"] == "later"} == set(before["ev_000002"])
        assert {w["placed_in"] for w in why.values() if w["how"] == "later"} == {"ev_000002"}


def test_long_spans_are_counted_per_year_and_a_story_is_read_through_its_event(demo_store):
    def meta(*days):
        return [{"published": d} for d in days]

    assert analysis.volume_by_day(demo_store, meta=meta("2001-03-04", "2001-07-01", "2015-06-01")) == [
        ("2001", 2), ("2015", 1)]
    assert analysis.volume_by_day(demo_store, meta=meta("2001-03-04", "2003-06-01")) == [("2001-03", 1), ("2003-06", 1)]
    for event in demo_store.events():
        scanned = next((s for s in demo_store.storylines() if event["id"] in s["event_ids"]), None)
        assert analysis.storyline_of(demo_store, event["id"]) == scanned


def test_an_unfiltered_search_page_ranks_only_what_it_shows(demo_store, monkeypatch):
    everything = [h.article_id for h in demo_store.search("dam", 200)]
    assert len(everything) > 4
    asked = []
    search = demo_store.search
    monkeypatch.setattr(demo_store, "search", lambda q, limit, **kw: asked.append(limit) or search(q, limit, **kw))
    page = analysis.search_articles(demo_store, "dam", offset=2, limit=2)
    assert [h["article_id"] for h in page.items] == everything[2:4] and page.total == len(everything)
    assert asked == [2] and all(h["snippet"] and h["language"] for h in page.items)
    # With a filter the pool of 200 is read and filtered, as before.
    filtered = analysis.search_articles(demo_store, "dam", source="NORDPRESS")
    assert asked == [2, 200] and filtered.items and all(h["source"] == "NORDPRESS" for h in filtered.items)
    with pytest.raises(ConfigError):
        analysis.search_articles(demo_store, "dam", limit=500)


def test_serve_prints_a_token_and_warns_off_loopback(demo_store, monkeypatch):
    from click.testing import CliRunner

    import storyline.http_security
    from storyline.cli import cli

    calls = []
    monkeypatch.setattr(storyline.http_security, "serve", lambda app, host, port, **kw: calls.append((host, port)))
    monkeypatch.delenv("STORYLINE_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["--db", demo_store.path, "serve", "--host", "0.0.0.0", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "warning: binding to 0.0.0.0" in result.output and "write token" in result.output
    assert calls == [("0.0.0.0", 8123)]
    result = CliRunner().invoke(cli, ["--db", demo_store.path, "serve", "--token", "given"])
    assert "warning" not in result.output and "write token" not in result.output


def test_split_entity_mentions_from_the_browser(writable):
    client, _ = writable
    csrf = sign_in(client)
    profile = client.get("/api/entities/Voloshenko/profile").json()
    keys = [m["key"] for m in profile["mentions"]]
    assert len(keys) >= 2 and all(m["context"] for m in profile["mentions"])
    r = client.post("/actions/entities/split", data={"csrf": csrf, "entity_id": profile["id"], "mentions": keys[:1]},
                    follow_redirects=False)
    assert r.status_code == 303 and "split+1+mention" in r.headers["location"]
    assert client.get("/api/decisions").json()["decisions"][0]["kind"] == "entity.split"


class _Events:
    def __init__(self, rows):
        self.rows = rows

    def events(self):
        return [dict(r) for r in self.rows]


def test_merge_candidates_are_the_nearest_days_first_ties_by_id_undated_last():
    from storyline import analysis

    days = {"ev_a": "2025-03-01", "ev_b": "2025-03-09", "ev_c": "2025-03-05T08:00", "ev_d": "2025-03-07",
            "ev_e": "2025-03-03", "ev_f": None, "ev_g": "not a date", "ev_h": "2025-03-05"}
    store = _Events([{"id": k, "first_published": v} for k, v in days.items()])
    near = [e["id"] for e in analysis.merge_candidates(store, "2025-03-05", exclude="ev_h", limit=10)]
    # 0 days: c; 2 days: d and e (by id); 4 days: a and b; then the undated ones by id
    assert near == ["ev_c", "ev_d", "ev_e", "ev_a", "ev_b", "ev_f", "ev_g"]
    assert [e["id"] for e in analysis.merge_candidates(store, "2025-03-05", limit=2)] == ["ev_c", "ev_h"]
    assert [e["id"] for e in analysis.merge_candidates(store, None, limit=3)] == ["ev_a", "ev_b", "ev_c"]


def test_derived_values_are_kept_per_store_state_and_bounded(tmp_path):
    from storyline.web.cache import MAX_DERIVED, StoreMemo

    db = tmp_path / "x.db"
    db.write_bytes(b"one")
    memo, calls = StoreMemo(str(db)), []
    assert memo.derived(("home", 0), lambda: calls.append(0) or "page 0") == "page 0"
    assert memo.derived(("home", 0), lambda: calls.append(1) or "again") == "page 0" and calls == [0]
    for k in range(1, MAX_DERIVED + 10):
        memo.derived(("home", k), lambda k=k: f"page {k}")
    assert len(memo._values) == MAX_DERIVED and ("home", 0) not in memo._values  # the oldest went first
    db.write_bytes(b"changed store")
    assert memo.derived(("home", 0), lambda: "new page 0") == "new page 0"


def test_an_event_span_says_undated_or_one_day_once():
    from storyline.web.filters import days

    assert days(None, None) == "undated"
    assert days("2025-03-04T08:00:00", "2025-03-04T17:30:00") == "2025-03-04"
    assert days("2025-03-04", "2025-03-07") == "2025-03-04 – 2025-03-07"


def test_a_browser_gets_a_page_for_a_missing_url_or_an_incomplete_form_and_scripts_get_json(reader):
    client = reader
    html = {"accept": "text/html"}
    page = client.get("/no-such-page", headers=html)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "no page at /no-such-page" in page.text
    assert client.get("/api/no-such-thing", headers=html).json()["error"]["type"] == "not_found"
    assert client.get("/no-such-page").json()["error"]["type"] == "not_found"
    form = client.post("/actions/events/merge", data={"keep": "ev_000001"}, headers=html)
    assert form.status_code == 400 and "the form was incomplete or out of date" in form.text


def test_a_query_no_store_can_answer_is_shown_above_the_search_form(reader):
    page = reader.get("/search", params={"q": "NOT dam"})
    assert page.status_code == 400 and 'role="alert"' in page.text and "NOT needs something" in page.text
    assert 'value="NOT dam"' in page.text  # the form keeps the query to correct
    assert reader.get("/search", params={"q": "dam NOT Seltva"}).status_code == 200

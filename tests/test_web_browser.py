"""The web app in a real browser: Playwright drives Debian's chromium against `storyline serve`
on 127.0.0.1 over a copy of the demo store. Accessibility is checked with axe-core (vendored in
tests/vendor, not shipped with the package).

Skipped only when /usr/bin/chromium is missing (`apt-get install -y chromium`; `.ci/run` installs it).
Set STORYLINE_SCREENSHOTS=docs to refresh the screenshots in docs/.
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
TOKEN = "browser-test-token"
HOSTILE = ("Hostile <script>alert('x')</script> headline\n"
           "Body with <img src=x onerror=alert(1)> and <a href=\"javascript:alert(3)\">click</a> and "
           "javascript:alert(2) in Port Elvan, where dock workers walked out on Monday, the union said.\n")

pytestmark = [pytest.mark.browser, pytest.mark.models,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                 "(apt-get install -y chromium); .ci/run installs it")]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install -e '.[dev]')")
expect = sync_api.expect


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(demo_store, tmp_path_factory):
    """`storyline serve` on a free loopback port, over a private copy of the demo store."""
    db = tmp_path_factory.mktemp("web") / "web.db"
    dst = sqlite3.connect(db)
    demo_store.db.backup(dst)
    dst.close()
    port = _free_port()
    env = os.environ | {"STORYLINE_TOKEN": TOKEN}
    proc = subprocess.Popen([sys.executable, "-m", "storyline.cli", "--db", str(db), "serve", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(base + "/api/overview", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail(f"storyline serve did not start: {proc.stdout.read() if proc.stdout else ''}")
    yield base
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout:
        proc.stdout.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    pg.console_errors = []  # type: ignore[attr-defined]
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    context.close()


def sign_in(page, base: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={next_path}")
    page.get_by_label("Token").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_read_journey_home_event_source_search_entity(server, page):
    hosts = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    page.goto(server + "/")
    expect(page.get_by_role("heading", name="Events", exact=True)).to_be_visible()
    page.get_by_role("link", name=re.compile("Seltva dam bursts")).first.click()
    expect(page).to_have_url(re.compile(r"/events/ev_\d+$"))
    first = page.locator("ol.summary a.src").first
    sentence = " ".join(first.inner_text().split())
    first.click()
    expect(page).to_have_url(re.compile(r"/articles/\w+\?start=\d+&end=\d+#focus$"))
    expect(page.locator("#focus")).to_be_visible()
    shown = " ".join(" ".join(page.locator(".article-text mark.focus").all_inner_texts()).split())
    assert shown.replace(" ", "") == sentence.replace(" ", "")
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Search for").fill("Seltva")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("ol.hits li").first).to_contain_text("Seltva")
    page.locator("ol.hits li a").first.click()
    expect(page).to_have_url(re.compile(r"/articles/\w+$"))
    page.goto(server + "/events/ev_000002")
    page.locator("#entities a").first.click()
    expect(page).to_have_url(re.compile(r"/entities/e_"))
    expect(page.get_by_role("heading", name="Spellings")).to_be_visible()
    expect(page.locator("figure.plot svg").first).to_be_visible()
    assert not page.console_errors, page.console_errors  # a CSP violation would show here
    assert hosts == {server.split("/")[2]}, hosts  # every asset is local: no CDN, works offline


def test_writes_are_refused_without_the_token(server, page):
    page.goto(server + "/events/ev_000001")
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    assert page.locator("form[action='/actions/events/merge']").count() == 0
    r = page.request.post(server + "/api/events/merge", data={"keep": "ev_000001", "other": "ev_000002"})
    assert r.status == 401 and r.json()["error"]["type"] == "unauthorized"
    r = page.request.post(server + "/actions/events/merge", form={"keep": "ev_000001", "other": "ev_000002",
                                                                 "csrf": "guess"})
    assert r.status == 401
    page.goto(server + "/login")
    page.get_by_label("Token").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong token")
    assert page.request.get(server + "/api/overview").json()["total"] == 4


def test_merge_two_events_and_undo(server, page):
    sign_in(page, server, "/events/ev_000001")
    form = page.locator("form[action='/actions/events/merge']")
    form.locator("select[name=other]").select_option("ev_000002")
    form.locator("input[name=by]").fill("Ann Analyst")
    form.get_by_role("button", name="Merge events").click()
    expect(page.locator(".flash")).to_contain_text("merged ev_000002 into ev_000001")
    assert page.request.get(server + "/api/overview").json()["total"] == 3
    page.get_by_role("link", name="Audit log", exact=True).click()
    expect(page.locator("tbody tr").first).to_contain_text("Ann Analyst")
    page.get_by_role("button", name="Undo the latest correction").click()
    expect(page.locator(".flash")).to_contain_text("undid decision")
    expect(page.locator("tbody tr").nth(1)).to_contain_text("undone")
    assert page.request.get(server + "/api/overview").json()["total"] == 4


def test_upload_a_file_watch_it_appear_and_hostile_text_is_inert(server, page):
    sign_in(page, server, "/add")
    page.locator("input[name=files]").set_input_files(
        [{"name": "hostile.txt", "mimeType": "text/plain", "buffer": HOSTILE.encode()},
         {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 binary"}])
    page.get_by_role("button", name="Add", exact=True).click()
    job = page.locator(".job").first
    expect(job).to_contain_text("done", timeout=180_000)  # htmx polls every second until the job ends
    expect(job).to_contain_text("Added 1 article")
    expect(job.locator(".rejects")).to_contain_text("scan.pdf")
    job.locator("a").first.click()
    text = page.locator(".article-text")
    expect(text).to_contain_text("<img src=x onerror=alert(1)>")
    expect(page.get_by_role("heading", level=1)).to_contain_text("<script>alert('x')</script>")
    assert page.locator("main img").count() == 0 and page.locator("main script").count() == 0
    assert page.locator("a[href^='javascript' i]").count() == 0
    page.wait_for_timeout(500)
    assert not page.dialogs, page.dialogs
    page.goto(server + "/search?q=Hostile")
    expect(page.locator("ol.hits li").first).to_contain_text("Hostile")
    assert page.locator("main img").count() == 0 and not page.dialogs


PAGES = ["/", "/events/ev_000002", "/stories/sl_000001", "/entities/Voloshenko", "/outlets/NORDPRESS",
         "/search?q=dam", "/rejects", "/audit", "/add", "/login", "/articles/{article}?start=0&end=40"]


def _first_article(server: str) -> str:
    return httpx.get(server + "/api/articles", params={"limit": 1}).json()["articles"][0]["id"]


def test_pages_pass_axe_with_no_serious_violations(server, browser):
    context = browser.new_context(bypass_csp=True)  # only so the test can inject axe; the app itself is unchanged
    page = context.new_page()
    article = _first_article(server)
    failures = {}
    for signed_in in (False, True):  # signed in, pages also show the correction and upload forms
        if signed_in:
            sign_in(page, server, "/")
        for path in PAGES:
            page.goto(server + path.format(article=article))
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            bad = [f"{v['id']} ({v['impact']}): {v['help']} e.g. {v['nodes'][0]['html'][:120]}"
                   for v in result["violations"] if v["impact"] in ("serious", "critical")]
            if bad:
                failures[(path, signed_in)] = bad
    context.close()
    assert not failures, failures


@pytest.mark.skipif(not os.environ.get("STORYLINE_SCREENSHOTS"), reason="set STORYLINE_SCREENSHOTS=docs to refresh")
def test_screenshots(server, browser):
    out = Path(os.environ["STORYLINE_SCREENSHOTS"])
    out.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    article = _first_article(server)
    shots = {"web-home.png": "/", "web-event.png": "/events/ev_000002",
             "web-event-sources.png": "/events/ev_000002#sources",
             "web-article.png": f"/articles/{article}?start=0&end=120#focus", "web-entity.png": "/entities/Voloshenko",
             "web-outlet.png": "/outlets/NORDPRESS", "web-search.png": "/search?q=dam"}
    for name, path in shots.items():
        page.goto(server + path)
        page.screenshot(path=str(out / name))
    context.close()

"""The HTTP contract: one error shape for every status, bounded parameters and work,
security headers, the Host allow-list, offline docs and a prompt shutdown."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from fastapi.testclient import TestClient

from storyline import http as storyline_http
from storyline.errors import NotFound
from storyline.http import create_app
from storyline.http_security import Busy, run_bounded, run_in_child

from . import child_jobs

NETWORK_PEER = ("127.0.0.1", 40000)  # a client that is not Starlette's in-process test client


@pytest.fixture(scope="module")
def client(demo_store):
    return TestClient(create_app(demo_store.path), base_url="http://127.0.0.1:8000", client=NETWORK_PEER)


def _shaped(response, status):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"type", "message"}, body
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize(("method", "path", "status", "kind"), [
    ("GET", "/api/nothing-here", 404, "not_found"),
    ("GET", "/api/articles/nope", 404, "not_found"),
    ("POST", "/api/articles", 405, "method_not_allowed"),
    ("DELETE", "/api/events", 405, "method_not_allowed"),
    ("GET", "/api/articles?offset=9223372036854775808", 400, "bad_request"),
    ("GET", "/api/articles?offset=-1", 400, "bad_request"),
    ("GET", "/api/articles?limit=99999999999999999999999", 400, "bad_request"),
    ("GET", "/api/search?q=", 400, "bad_request"),
    ("GET", "/api/search?q=NOT%20Seltva", 400, "bad_request"),  # only excludes: refused, not inverted
    ("GET", "/api/search?q=dam%20AND", 400, "bad_request"),
    ("GET", "/api/search?q=%20&semantic=true", 400, "bad_request"),
    ("GET", "/api/search/hits?q=NOT%20Seltva", 400, "bad_request"),
    ("GET", "/api/search/hits?q=%20%20&semantic=true", 400, "bad_request"),
    ("GET", "/api/events?limit=100000", 400, "bad_request"),
    ("GET", "/api/entities?offset=99999999999999999999", 400, "bad_request"),
])
def test_every_status_has_the_one_error_shape(client, method, path, status, kind):
    error = _shaped(client.request(method, path), status)
    assert error["type"] == kind


def test_security_headers_on_pages_api_and_errors(client):
    for path in ("/api/articles", "/api/docs", "/api/nothing-here"):
        headers = client.get(path).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"


def test_docs_are_served_offline(client):
    page = client.get("/api/docs")
    assert page.status_code == 200 and "/api/articles" in page.text
    assert "<script" not in page.text.lower() and "cdn" not in page.text.lower()
    assert client.get("/api/openapi.json").json()["info"]["title"] == "storyline"


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", ""])
def test_unknown_host_is_refused(demo_store, host):
    client = TestClient(create_app(demo_store.path), client=NETWORK_PEER)
    error = _shaped(client.get("/api/articles", headers={"host": host}), 400)
    assert error["type"] == "host_not_allowed" and "--allowed-host" in error["message"]


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost", "[::1]:8000", "news.internal"])
def test_allowed_hosts_are_served(demo_store, host):
    client = TestClient(create_app(demo_store.path, allowed_hosts=[*storyline_http.DEFAULT_ALLOWED_HOSTS,
                                                                   "news.internal"]), client=NETWORK_PEER)
    assert client.get("/api/articles?limit=1", headers={"host": host}).status_code == 200


def test_lists_come_in_pages(client):
    everything = client.get("/api/entities").json()
    page = client.get("/api/entities?limit=2&offset=1").json()
    assert page["total"] == everything["total"] == len(everything["entities"]) > 3
    assert page["entities"] == everything["entities"][1:3]
    one = client.get("/api/events?limit=1").json()
    assert len(one["events"]) == 1
    # Only the stories of the listed events, not every story of the store.
    assert [s["id"] for s in one["storylines"]] == [one["events"][0]["storyline_id"]]
    assert one["events"][0]["id"] in one["storylines"][0]["event_ids"]


def test_export_is_capped(client, monkeypatch):
    monkeypatch.setattr(storyline_http, "MAX_EXPORT_ARTICLES", 1)
    error = _shaped(client.get("/api/export"), 413)
    assert "storyline export" in error["message"]


def test_heavy_work_has_a_time_limit_and_one_slot():
    release = threading.Event()

    def slow():
        release.wait(5)
        return "done"

    async def scenario():
        slot = threading.BoundedSemaphore(1)
        with pytest.raises(Busy, match="took over 0.2 s"):
            await run_bounded(slow, seconds=0.2, slot=slot)
        with pytest.raises(Busy, match="waiting for other heavy work"):
            await run_bounded(lambda: "x", seconds=1, slot=slot)
        release.set()
        for _ in range(50):  # the slow one finishes in the background and frees its slot
            if slot.acquire(blocking=False):
                slot.release()
                break
            await asyncio.sleep(0.05)
        assert await run_bounded(lambda: "fast", seconds=1, slot=slot) == "fast"
        with pytest.raises(ZeroDivisionError):  # the work's own error reaches the request
            await run_bounded(lambda: 1 / 0, seconds=1, slot=slot)

    asyncio.run(scenario())


def _pid_gone(path, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid = int(open(path).read())
        except (OSError, ValueError):
            time.sleep(0.05)
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        state = open(f"/proc/{pid}/status").read().split("State:", 1)[1].split()[0] if os.path.exists(
            f"/proc/{pid}/status") else "Z"
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def test_heavy_work_in_a_child_is_killed_when_unwanted(tmp_path):
    class GoneClient:  # leaves once the job is running
        async def is_disconnected(self):
            return (tmp_path / "b").exists()

    async def scenario():
        slot = threading.BoundedSemaphore(1)
        assert await run_in_child(child_jobs.add, 2, 3, seconds=60, slot=slot) == 5
        with pytest.raises(NotFound, match="ev_x"):  # the job's own error, as the server maps it (404)
            await run_in_child(child_jobs.fail, seconds=60, slot=slot)
        with pytest.raises(Busy, match="took over 3 s"):
            await run_in_child(child_jobs.pid_then_sleep, str(tmp_path / "a"), 60, seconds=3, slot=slot)
        # On a loaded machine the child may be killed before it wrote its pid: check the process
        # itself, and the pid when there is one.
        assert not [c for c in multiprocessing.active_children() if c.name == "storyline-job"]
        assert not (tmp_path / "a").exists() or _pid_gone(tmp_path / "a")
        with pytest.raises(Busy, match="client went away"):
            await run_in_child(child_jobs.pid_then_sleep, str(tmp_path / "b"), 60, seconds=60, slot=slot,
                               request=GoneClient())
        assert _pid_gone(tmp_path / "b")
        with pytest.raises((MemoryError, Busy)):
            await run_in_child(child_jobs.hog_memory, seconds=60, slot=slot, memory_bytes=1024**3)

    asyncio.run(scenario())


def test_report_of_an_unknown_event_is_a_404_from_the_child(client):
    assert _shaped(client.get("/api/events/ev_999999/report"), 404)["type"] == "not_found"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sigterm_stops_the_server_within_5_seconds(demo_store):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "storyline.cli", "--db", str(demo_store.path), "-q", "serve",
                             "--port", str(port), "--token", "t0ken-for-tests"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/articles?limit=1", timeout=2) as r:
                    assert r.status == 200
                    assert r.headers["X-Frame-Options"] == "DENY"
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
                time.sleep(0.2)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        assert time.monotonic() - started < 5
    finally:
        if proc.poll() is None:
            proc.kill()


_SLOW_SERVER = """
import sys
from fastapi import Request
from storyline.http import create_app
from storyline.http_security import run_in_child, serve
from tests import child_jobs

app = create_app(sys.argv[1])

@app.get("/api/slow")
async def slow(request: Request):
    return await run_in_child(child_jobs.pid_then_sleep, sys.argv[3], 120, seconds=300, request=request)

serve(app, "127.0.0.1", int(sys.argv[2]), log_level="warning")
"""


def test_sigterm_with_heavy_work_in_flight_stops_within_5_seconds(tmp_path):
    from storyline import open_store

    open_store(tmp_path / "empty.db").close()
    port = _free_port()
    pid_file = tmp_path / "job.pid"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_SERVER, str(tmp_path / "empty.db"), str(port),
                             str(pid_file)], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def call():
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/slow", timeout=60).read()
        except OSError:
            pass

    try:
        deadline = time.monotonic() + 60
        while True:  # wait for the server, then start the slow request
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/articles?limit=1", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        threading.Thread(target=call, daemon=True).start()
        while not pid_file.exists():
            assert time.monotonic() < deadline, "the slow job never started"
            time.sleep(0.1)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        assert time.monotonic() - started < 5
        assert _pid_gone(pid_file), "the heavy job outlived the server"
    finally:
        if proc.poll() is None:
            proc.kill()

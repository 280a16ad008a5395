"""Safe fetching against a local server: private addresses refused before connecting
and after every redirect, an overall deadline, streamed size and decompression caps."""

from __future__ import annotations

import gzip
import http.server
import socket
import threading
import time

import pytest

from storyline import load_settings
from storyline.ingest import fetch as fetch_module
from storyline.ingest.fetch import check_address, fetch_urls

from .conftest import HARBOUR_STORY

# The test server listens on 127.0.0.2, which these tests treat as a public address; every
# other address keeps its real classification (127.0.0.1 is loopback, and so on).
PUBLIC_STAND_IN = "127.0.0.2"


class _Handler(http.server.BaseHTTPRequestHandler):
    sent = 0  # body bytes the server managed to send for the last streamed answer

    def do_GET(self):  # noqa: N802 - http.server's API
        port = self.server.server_address[1]
        if self.path == "/story":
            self._answer(HARBOUR_STORY.encode())
        elif self.path == "/to-loopback":
            self._redirect(f"http://127.0.0.1:{port}/story")
        elif self.path == "/to-metadata":
            self._redirect("http://169.254.169.254/latest/meta-data/")
        elif self.path == "/to-private-name":
            self._redirect("http://inside.example/secret")
        elif self.path == "/to-story":
            self._redirect("/story")
        elif self.path == "/loop":
            self._redirect("/loop")
        elif self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            for _ in range(60):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.2)
        elif self.path == "/drip-headers":
            for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" * 20:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.05)
        elif self.path == "/declared-huge":
            self.send_response(200)
            self.send_header("Content-Length", str(200_000_000))
            self.end_headers()
            self._stream(200_000_000)
        elif self.path == "/undeclared-huge":
            self.send_response(200)
            self.end_headers()
            self._stream(200_000_000)
        elif self.path == "/gzip-bomb":
            body = gzip.compress(b"\0" * 50_000_000, compresslevel=9)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(404)
            self.end_headers()

    def _answer(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _stream(self, total):
        chunk = b"y" * 65_536
        _Handler.sent = 0
        try:
            while _Handler.sent < total:
                self.wfile.write(chunk)
                _Handler.sent += len(chunk)
        except OSError:
            pass

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    srv = http.server.ThreadingHTTPServer((PUBLIC_STAND_IN, 0), _Handler)
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://{PUBLIC_STAND_IN}:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


@pytest.fixture(autouse=True)
def public_stand_in(monkeypatch):
    real = check_address
    monkeypatch.setattr(fetch_module, "check_address", lambda a: None if a == PUBLIC_STAND_IN else real(a))


def _resolver(host, port):
    names = {"inside.example": ["10.1.2.3"], "news.example": [PUBLIC_STAND_IN]}
    return names.get(host) or [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _fetch(urls, **settings):
    s = load_settings(env={}).replace(**{"fetch_timeout": 2.0, "fetch_deadline": 5.0, **settings})
    return list(fetch_urls(urls, s, resolver=_resolver))


def _reason(results):
    assert len(results) == 1 and hasattr(results[0], "reason"), results
    return results[0].reason


def test_a_public_page_is_fetched(server):
    (draft,) = _fetch([f"{server}/story"])
    assert draft.title == "Harbour cranes stop in Port Elvan"
    (draft,) = _fetch([f"{server}/to-story"])  # a relative redirect on the same host
    assert draft.url.endswith("/story")


@pytest.mark.parametrize(("url", "words"), [
    ("http://127.0.0.1:9/", "loopback"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[::1]:9/", "loopback"),
    ("http://[::ffff:10.0.0.1]/", "private"),
    ("http://inside.example/", "private"),
    ("http://0.0.0.0:9/", "unspecified"),
])
def test_private_addresses_are_refused_before_connecting(url, words):
    reason = _reason(_fetch([url]))
    assert words in reason and "--allow-private" in reason


@pytest.mark.parametrize(("path", "words"), [("/to-loopback", "127.0.0.1 is a loopback"),
                                             ("/to-metadata", "169.254.169.254 is a link-local"),
                                             ("/to-private-name", "inside.example resolves to 10.1.2.3, a private")])
def test_redirects_into_the_network_are_refused(server, path, words):
    assert words in _reason(_fetch([f"{server}{path}"]))


def test_allow_private_reaches_the_local_server(server, monkeypatch):
    monkeypatch.setattr(fetch_module, "check_address", check_address)  # 127.0.0.2 is loopback again
    assert "loopback" in _reason(_fetch([f"{server}/story"]))
    (draft,) = _fetch([f"{server}/story"], allow_private_urls=True)
    assert draft.url == f"{server}/story"


def test_redirect_loops_end(server):
    assert "redirects" in _reason(_fetch([f"{server}/loop"]))


@pytest.mark.parametrize("url", ["ftp://example.org/a", "file:///etc/passwd", "http://[::1", "http:///nohost",
                                 "javascript:alert(1)"])
def test_only_well_formed_http_urls(url):
    reason = _reason(_fetch([url]))
    assert any(w in reason for w in ("not an http(s) URL", "malformed", "no host")), reason


@pytest.mark.parametrize("path", ["/drip", "/drip-headers"])
def test_a_slow_server_is_cut_off_at_the_deadline(server, path):
    started = time.monotonic()
    reason = _reason(_fetch([f"{server}{path}"], fetch_timeout=1.0, fetch_deadline=1.5))
    assert time.monotonic() - started < 4
    assert "took over 1.5 s" in reason or "timed out" in reason


def test_a_declared_oversized_body_is_not_downloaded(server):
    started = time.monotonic()
    reason = _reason(_fetch([f"{server}/declared-huge"], max_file_bytes=1_000_000))
    assert "200.0 MB" in reason and time.monotonic() - started < 3


def test_an_undeclared_oversized_body_is_dropped_while_streaming(server):
    reason = _reason(_fetch([f"{server}/undeclared-huge"], max_file_bytes=1_000_000, fetch_timeout=30.0,
                            fetch_deadline=60.0))
    assert "over the 1 MB limit" in reason
    time.sleep(0.2)
    assert _Handler.sent < 50_000_000  # far from the 200 MB the server had to send


def test_a_gzip_bomb_is_dropped_while_inflating(server):
    # Generous time limits: on a busy machine the 2 s default could fire before the size check does.
    reason = _reason(_fetch([f"{server}/gzip-bomb"], max_decompressed_bytes=5_000_000, fetch_timeout=30.0,
                            fetch_deadline=60.0))
    assert "inflates past 5 MB" in reason

"""Fetching articles from a list of URLs.

The HTTP client is injectable (``client=``) so tests can point it at a local
server or an ``httpx.MockTransport``; nothing here reaches the network unless the
user gives it URLs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx

from ..model import ArticleDraft, Rejection
from ..settings import Settings
from .readers import read_bytes

__all__ = ["fetch_urls", "read_url_list"]

USER_AGENT = "storyline/0.1 (+self-hosted news analysis)"


def read_url_list(path: Path) -> list[str]:
    """URLs from a file, one a line; blank lines and ``#`` comments are skipped."""
    lines = path.read_text("utf-8", errors="replace").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def looks_like_url_list(text: str) -> bool:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return bool(lines) and all(ln.startswith(("http://", "https://")) and " " not in ln for ln in lines)


def fetch_urls(urls: Iterable[str], settings: Settings, *, defaults: Mapping[str, Any] | None = None,
               client: httpx.Client | None = None) -> Iterator[ArticleDraft | Rejection]:
    own = client is None
    client = client or httpx.Client(timeout=settings.fetch_timeout, follow_redirects=True,
                                    headers={"User-Agent": USER_AGENT})
    try:
        for url in urls:
            if not url.startswith(("http://", "https://")):
                yield Rejection(url, "", "fetch", "not an http(s) URL; give full addresses like https://example.org/a")
                continue
            try:
                response = client.get(url)
            except httpx.TimeoutException:
                yield Rejection(url, "", "fetch",
                                f"timed out after {settings.fetch_timeout:g} s; retry later or raise fetch_timeout")
                continue
            except httpx.HTTPError as exc:
                yield Rejection(url, "", "fetch", f"cannot fetch ({exc.__class__.__name__}: {exc}); check the address")
                continue
            if response.status_code >= 400:
                yield Rejection(url, "", "fetch", f"server answered HTTP {response.status_code} "
                                f"{response.reason_phrase}; check the address or retry later")
                continue
            kind = response.headers.get("content-type", "").split(";")[0].strip() or Path(url).suffix
            yield from read_bytes(response.content, url, kind_hint=kind, settings=settings, defaults=defaults,
                                  url=str(response.url))
    finally:
        if own:
            client.close()

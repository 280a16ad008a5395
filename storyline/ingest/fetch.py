"""Fetching articles from a list of URLs, safely.

A URL list is input like any other, so it must not make storyline reach inside
the network it runs in, nor let one server hold or flood the batch:

* http and https only;
* the host is resolved first and every address checked: private, loopback,
  link-local (the cloud metadata service at 169.254.169.254), multicast and
  reserved ranges are refused unless ``allow_private_urls`` (``--allow-private``);
* the connection goes to the address that was checked (pinned), so a DNS answer
  that changes between the check and the connect (rebinding) cannot slip through;
* redirects are followed by hand, at most ``MAX_REDIRECTS``, each hop checked again;
* one deadline covers the whole URL (connect, redirects, every byte), however
  slowly the server drips; the body is streamed and dropped as soon as it passes
  the size limit, and a compressed body as soon as it inflates past it.

The HTTP client is injectable (``client=``) so tests can point it at a local
server or an ``httpx.MockTransport``; nothing here reaches the network unless the
user gives it URLs.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx

from ..errors import InputRejected
from ..model import ArticleDraft, Rejection
from ..settings import Settings
from .limits import sanitize, time_budget
from .readers import read_bytes

__all__ = ["check_address", "fetch_urls", "looks_like_url_list", "read_url_list"]

USER_AGENT = "storyline/0.1 (+self-hosted news analysis)"
MAX_REDIRECTS = 5

Resolver = Callable[[str, int], list[str]]


def read_url_list(path: Path) -> list[str]:
    """URLs from a file, one a line; blank lines and ``#`` comments are skipped."""
    lines = path.read_text("utf-8", errors="replace").splitlines()
    return [sanitize(ln.strip()) for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def looks_like_url_list(text: str) -> bool:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return bool(lines) and all(ln.startswith(("http://", "https://")) and " " not in ln for ln in lines)


def _resolve(host: str, port: int) -> list[str]:
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def check_address(address: str) -> str | None:
    """Why ``address`` (an IP) must not be fetched from, or None when it is public."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for test, kind in ((ip.is_unspecified, "unspecified"), (ip.is_loopback, "loopback"),
                       (ip.is_link_local, "link-local (cloud metadata)"), (ip.is_private, "private"),
                       (ip.is_multicast, "multicast"), (ip.is_reserved, "reserved"),
                       (not ip.is_global, "non-public")):
        if test:
            return kind
    return None


class _Refused(Exception):
    """A URL storyline will not fetch; the message is the reason."""


def fetch_urls(urls: Iterable[str], settings: Settings, *, defaults: Mapping[str, Any] | None = None,
               client: httpx.Client | None = None, resolver: Resolver | None = None
               ) -> Iterator[ArticleDraft | Rejection]:
    """Fetch each URL and read it like a file; every failure is a rejection, never an exception."""
    own = client is None
    client = client or httpx.Client(timeout=settings.fetch_timeout, follow_redirects=False, trust_env=False,
                                    headers={"User-Agent": USER_AGENT})
    try:
        for url in urls:
            url = sanitize(url)
            try:
                with time_budget(settings.fetch_deadline, "fetching"):
                    final_url, body, kind = _fetch(client, url, settings, resolver or _resolve)
            except _Refused as exc:
                yield Rejection(url, "", "fetch", str(exc))
                continue
            except InputRejected:  # the watchdog: the whole URL ran past its deadline
                yield Rejection(url, "", "fetch", f"took over {settings.fetch_deadline:g} s in all (fetch_deadline; "
                                "the server is too slow); retry later, or raise fetch_deadline")
                continue
            except httpx.TimeoutException:
                yield Rejection(url, "", "fetch",
                                f"timed out after {settings.fetch_timeout:g} s; retry later or raise fetch_timeout")
                continue
            except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError, UnicodeError) as exc:
                yield Rejection(url, "", "fetch", f"cannot fetch ({exc.__class__.__name__}: {sanitize(str(exc))[:200]});"
                                " check the address")
                continue
            yield from read_bytes(body, url, kind_hint=kind, settings=settings, defaults=defaults, url=final_url)
    finally:
        if own:
            client.close()


def _fetch(client: httpx.Client, url: str, settings: Settings, resolver: Resolver) -> tuple[str, bytes, str]:
    """(final URL, body, content kind) of ``url``, following redirects by hand."""
    deadline = time.monotonic() + settings.fetch_deadline
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        target = _checked_url(current, settings, resolver)
        request = client.build_request("GET", target.pinned, headers=target.headers, extensions=target.extensions)
        response = client.send(request, stream=True)
        try:
            if response.is_redirect:
                location = response.headers.get("location", "")
                if not location:
                    raise _Refused(f"server answered HTTP {response.status_code} without a Location; check the address")
                current = str(httpx.URL(current).join(location))
                continue
            if response.status_code >= 400:
                raise _Refused(f"server answered HTTP {response.status_code} {response.reason_phrase}; "
                               "check the address or retry later")
            body = _read_body(response, settings, deadline)
            kind = response.headers.get("content-type", "").split(";")[0].strip() or Path(httpx.URL(current).path).suffix
            return current, body, kind
        finally:
            response.close()
    raise _Refused(f"more than {MAX_REDIRECTS} redirects; give the final address")


class _Target:
    def __init__(self, pinned: httpx.URL, headers: dict[str, str], extensions: dict[str, Any]):
        self.pinned, self.headers, self.extensions = pinned, headers, extensions


def _checked_url(url: str, settings: Settings, resolver: Resolver) -> _Target:
    """``url`` checked (scheme, host, resolved addresses) and pinned to the address that passed."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
        raise _Refused(f"malformed URL ({exc}); give a full address like https://example.org/a") from None
    if parsed.scheme not in ("http", "https"):
        raise _Refused(f"not an http(s) URL (scheme {parsed.scheme or 'missing'!r}); give full addresses like "
                       "https://example.org/a")
    host = parsed.host
    if not host:
        raise _Refused("URL has no host; give a full address like https://example.org/a")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses = resolver(host, port)
    except (OSError, UnicodeError) as exc:
        raise _Refused(f"cannot resolve host {host!r} ({exc}); check the address") from None
    if not addresses:
        raise _Refused(f"host {host!r} has no address; check the address")
    if not settings.allow_private_urls:
        for address in addresses:
            kind = check_address(address)
            if kind:
                named = f"{address} is" if host.strip("[]") == address else f"{host} resolves to {address},"
                raise _Refused(f"refused: {named} a {kind} address inside your network; "
                               "pass --allow-private (allow_private_urls) if you mean to fetch it")
    address = addresses[0]
    headers = {"Host": parsed.netloc.decode("ascii")}
    extensions: dict[str, Any] = {"sni_hostname": host} if parsed.scheme == "https" else {}
    return _Target(parsed.copy_with(host=address), headers, extensions)


def _read_body(response: httpx.Response, settings: Settings, deadline: float) -> bytes:
    """The decoded body, streamed: stopped at the size limit, the decompression limit and the deadline."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.max_file_bytes:
        raise _Refused(f"response is {int(declared) / 1e6:.1f} MB, over the {settings.max_file_bytes / 1e6:.0f} MB "
                       "limit; raise max_file_bytes if it really is one article")
    encodings = {e.strip().lower() for e in response.headers.get("content-encoding", "").split(",")}
    compressed = bool(encodings - {"", "identity"})
    limit = min(settings.max_file_bytes, settings.max_decompressed_bytes) if compressed else settings.max_file_bytes
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes(chunk_size=65_536):
        size += len(chunk)
        if size > limit:
            if compressed:
                raise _Refused(f"compressed response inflates past {limit / 1e6:.0f} MB (a compression bomb?); "
                               "raise max_decompressed_bytes if it really is one article")
            raise _Refused(f"response is over the {limit / 1e6:.0f} MB limit; raise max_file_bytes if it really "
                           "is one article")
        if time.monotonic() > deadline:
            raise InputRejected("deadline")
        chunks.append(chunk)
    return b"".join(chunks)

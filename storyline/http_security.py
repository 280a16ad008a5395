"""Hardening for any storyline FastAPI app: one error shape, security headers, a Host
allow-list, offline API docs, bounded heavy work and a server that stops on SIGTERM.

Each piece is a function taking the app, so the API (``storyline.http``) and the web
app (``storyline.web``) use the same ones::

    add_error_shape(app)               # every status, 404/405 from routing included
    add_security_headers(app)          # CSP (no inline script), nosniff, Referrer-Policy, X-Frame-Options
    add_host_check(app, hosts)         # DNS rebinding: only these Host headers are served
    add_offline_docs(app)              # /api/docs rendered from the OpenAPI schema, no CDN
    await run_bounded(fn, seconds=30)  # heavy work in a thread, with a time limit and one slot
    await run_in_child(fn, *args, seconds=30, request=request)  # the same in a process killed on
                                       # timeout, client disconnect or server exit, memory capped
    serve(app, host, port)             # uvicorn that exits within 5 s of SIGTERM

Errors have one JSON shape: ``{"error": {"type": ..., "message": ...}}``.
"""

from __future__ import annotations

import asyncio
import functools
import html
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

__all__ = [
    "DEFAULT_ALLOWED_HOSTS",
    "SECURITY_HEADERS",
    "Busy",
    "add_error_shape",
    "add_host_check",
    "add_offline_docs",
    "add_security_headers",
    "error_response",
    "run_bounded",
    "run_in_child",
    "serve",
]

T = TypeVar("T")

# Loopback names only: a page on another site that rebinds its own name to 127.0.0.1
# still sends its own name as Host, and is refused.
DEFAULT_ALLOWED_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

_TYPES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 408: "timeout", 413: "too_large", 421: "misdirected", 429: "busy",
          500: "internal", 503: "busy"}


def error_response(status: int, message: str, kind: str | None = None, headers: dict[str, str] | None = None) -> Any:
    """A JSON response in storyline's one error shape."""
    from fastapi.responses import JSONResponse

    body = {"error": {"type": kind or _TYPES.get(status, "error"), "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def add_error_shape(app: Any) -> None:
    """Routing errors (404, 405), out-of-range numbers (400) and crashes (500) in the one shape."""
    from starlette.exceptions import HTTPException

    @app.exception_handler(HTTPException)
    async def _http(request: Any, exc: HTTPException) -> Any:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such page: {request.url.path}; see /api/docs for the API"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}; see /api/docs for the methods"
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(OverflowError)
    async def _overflow(_request: Any, exc: OverflowError) -> Any:
        # A number too large for SQLite's 64-bit integers, from a route without bounds of its own.
        return error_response(400, f"a number is out of range ({exc}); use values below 2**63")

    @app.exception_handler(Busy)
    async def _busy(_request: Any, exc: Busy) -> Any:
        return error_response(503, str(exc), headers={"Retry-After": "30"})

    @app.exception_handler(Exception)
    async def _crash(_request: Any, exc: Exception) -> Any:
        return error_response(500, f"internal error ({exc.__class__.__name__}); please report it")


def add_security_headers(app: Any, headers: dict[str, str] | None = None) -> None:
    """Send the security headers on every response that does not set them itself."""
    chosen = dict(SECURITY_HEADERS if headers is None else headers)

    @app.middleware("http")
    async def _headers(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        for name, value in chosen.items():
            response.headers.setdefault(name, value)
        return response


def add_host_check(app: Any, allowed_hosts: Iterable[str] = DEFAULT_ALLOWED_HOSTS) -> None:
    """Refuse requests whose Host header (port ignored) is not in ``allowed_hosts`` ("*" allows all)."""
    allowed = {h.lower() for h in allowed_hosts}

    @app.middleware("http")
    async def _host(request: Any, call_next: Any) -> Any:
        host = request.headers.get("host", "").lower()
        # Starlette's in-process TestClient names its peer "testclient" (never an address a
        # network peer can have) and its host "testserver"; tests need no allow-list entry.
        in_process = request.client is not None and request.client.host == "testclient"
        if "*" in allowed or _host_name(host) in allowed or host in allowed or in_process:
            return await call_next(request)
        response = error_response(
            400, f"host {host!r} is not served here (allowed: {', '.join(sorted(allowed))}); open the app by one of "
            "those names, or start the server with --allowed-host NAME (STORYLINE_ALLOWED_HOSTS)",
            kind="host_not_allowed")
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        return response


def _host_name(host: str) -> str:
    """The name of a Host header without its port: ``[::1]:8000`` -> ``[::1]``, ``a.b:80`` -> ``a.b``."""
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def add_offline_docs(app: Any, path: str = "/api/docs") -> None:
    """Serve the API reference as plain HTML generated from the OpenAPI schema.

    FastAPI's Swagger UI loads its script and styles from a CDN: offline the page is
    blank, and the CDN script would need the CSP opened. This page needs neither."""
    from fastapi.responses import HTMLResponse

    @app.get(path, include_in_schema=False, response_class=HTMLResponse)
    def _docs() -> str:
        return render_docs(app.openapi())


def render_docs(schema: dict[str, Any]) -> str:
    """HTML for an OpenAPI schema: each path, its methods, parameters and summary."""
    esc = html.escape
    info = schema.get("info", {})
    parts = [f"<!doctype html><meta charset=utf-8><title>{esc(info.get('title', 'API'))} API</title>",
             f"<h1>{esc(info.get('title', 'API'))} API <small>{esc(str(info.get('version', '')))}</small></h1>",
             "<p>Every error has the shape <code>{\"error\": {\"type\": ..., \"message\": ...}}</code>. "
             "The machine-readable schema is at <a href=/api/openapi.json>/api/openapi.json</a>.</p>"]
    for route, methods in sorted(schema.get("paths", {}).items()):
        for method, op in methods.items():
            parts.append(f"<h2><code>{esc(method.upper())} {esc(route)}</code></h2>")
            doc = op.get("description") or op.get("summary") or ""
            if doc:
                parts.append(f"<p>{esc(doc)}</p>")
            params = op.get("parameters", [])
            if params:
                rows = []
                for p in params:
                    s = p.get("schema", {})
                    kind = s.get("type") or "/".join(x.get("type", "?") for x in s.get("anyOf", [])) or "?"
                    bounds = ", ".join(f"{k} {s[k]}" for k in ("minimum", "maximum", "minLength") if k in s)
                    default = f" (default {s['default']!r})" if "default" in s else ""
                    rows.append(f"<li><code>{esc(p['name'])}</code> in {esc(p.get('in', ''))}: {esc(kind)}"
                                f"{' [' + esc(bounds) + ']' if bounds else ''}{esc(default)}"
                                f"{' <b>required</b>' if p.get('required') else ''}</li>")
                parts.append("<ul>" + "".join(rows) + "</ul>")
    return "\n".join(parts)


class Busy(Exception):
    """Heavy work refused or stopped: another is running, or it ran past its time limit."""


_HEAVY = threading.BoundedSemaphore(1)


async def run_bounded(fn: Callable[[], T], *, seconds: float, what: str = "this request",
                      slot: threading.BoundedSemaphore | None = None) -> T:
    """Run blocking ``fn`` in a daemon thread, at most one at a time, and give up after ``seconds``.

    One slot: heavy work (exports, reports) runs alone, so concurrent clients cannot
    multiply its memory. The thread is a daemon so a stuck computation never holds the
    process at shutdown; a computation past its limit finishes in the background (Python
    cannot stop a thread) and keeps its slot until then, so later heavy requests get 503."""
    slot = slot or _HEAVY
    if not slot.acquire(blocking=False):
        raise Busy(f"{what} is waiting for other heavy work to finish; retry in a minute, or use the CLI "
                   "(storyline export / storyline report) for large stores")
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def work() -> None:
        try:
            try:
                result = fn()
            finally:
                slot.release()  # before the result is handed over: the next request may start at once
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
            deliver = functools.partial(_settle, future, None, exc)
        else:
            deliver = functools.partial(_settle, future, result, None)
        try:
            loop.call_soon_threadsafe(deliver)
        except RuntimeError:  # the server stopped meanwhile; nobody waits for this any more
            pass

    threading.Thread(target=work, name="storyline-heavy", daemon=True).start()
    try:
        return await asyncio.wait_for(asyncio.shield(future), seconds)
    except TimeoutError:
        raise Busy(f"{what} took over {seconds:g} s; use the CLI (storyline export / storyline report) "
                   "for large stores") from None


# A heavy job's address space: reports and exports of large stores reached 5 GB before.
CHILD_MEMORY_BYTES = 3 * 1024**3


async def run_in_child(fn: Callable[..., T], *args: Any, seconds: float, what: str = "this request",
                       request: Any = None, memory_bytes: int = CHILD_MEMORY_BYTES,
                       slot: threading.BoundedSemaphore | None = None) -> T:
    """Run ``fn(*args)`` in a fresh process (``fn`` and ``args`` must pickle: a module-level
    function and plain values), at most one heavy job at a time.

    Unlike a thread, the process is killed the moment the job is no longer wanted: past
    ``seconds`` (the client gets a 503), when ``request``'s client disconnects, or when the
    server dies (it dies with its parent). Its address space is capped at ``memory_bytes``,
    so a job that would exhaust the machine fails alone with MemoryError instead."""
    import multiprocessing
    import os

    slot = slot or _HEAVY
    if not slot.acquire(blocking=False):
        raise Busy(f"{what} is waiting for other heavy work to finish; retry in a minute, or use the CLI "
                   "(storyline export / storyline report) for large stores")
    # spawn, not fork: forking a process with running threads (the server's) can copy a held lock.
    ctx = multiprocessing.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child_main, args=(sender, fn, args, memory_bytes, os.getpid()), daemon=True,
                       name="storyline-job")
    loop = asyncio.get_running_loop()
    try:
        proc.start()
        sender.close()
        deadline = loop.time() + seconds
        while not receiver.poll():
            if not proc.is_alive():
                if receiver.poll():
                    break
                raise Busy(f"{what} stopped unexpectedly (exit code {proc.exitcode}; out of memory?); use the "
                           "CLI for large stores")
            if request is not None and await request.is_disconnected():
                raise Busy(f"{what} was cancelled: the client went away")
            if loop.time() > deadline:
                raise Busy(f"{what} took over {seconds:g} s; use the CLI (storyline export / storyline report) "
                           "for large stores")
            await asyncio.sleep(0.05)
        ok, value = await asyncio.to_thread(receiver.recv)
    finally:
        if proc.is_alive():
            proc.kill()
        await asyncio.to_thread(proc.join, 5)
        receiver.close()
        slot.release()
    if ok:
        return value  # type: ignore[no-any-return]
    raise value


def _child_main(sender: Any, fn: Callable[..., Any], args: tuple[Any, ...], memory_bytes: int,
                parent_pid: int) -> None:
    """The heavy job's process: dies with the server, capped in memory, sends (ok, value) back."""
    import pickle
    import resource

    from .lifecycle import die_with_parent

    die_with_parent(parent_pid)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ValueError, OSError):  # pragma: no cover - a lower hard limit is already in force
        pass
    try:
        outcome: tuple[bool, Any] = (True, fn(*args))
    except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
        try:
            pickle.loads(pickle.dumps(exc))
            outcome = (False, exc)
        except Exception:  # noqa: BLE001 - an exception that cannot cross processes
            outcome = (False, RuntimeError(f"{exc.__class__.__name__}: {exc}"))
    sender.send(outcome)
    sender.close()


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def serve(app: Any, host: str, port: int, *, log_level: str = "info", grace: float = 4.0) -> None:
    """Run ``app`` with uvicorn; on SIGTERM or Ctrl-C open requests get ``grace`` seconds, then the process ends.

    uvicorn stops waiting for requests after ``timeout_graceful_shutdown``, but a
    request's worker thread may still be computing, and Python waits for such threads
    at exit; the server is already closed by then, so the process leaves without them."""
    import os
    import sys

    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=grace)
    server = uvicorn.Server(config)
    server.run()
    busy = [t for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive() and not t.daemon]
    if busy:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

"""The HTTP API: a thin, read-mostly layer over the library (``storyline serve``).

Every error has one JSON shape, ``{"error": {"type": ..., "message": ...}}``, with
404 for unknown ids and paths, 405 for wrong methods and 400 for bad or out-of-range
parameters. Each request opens its own read connection to the SQLite file (WAL lets
readers run beside a writer). Every endpoint is bounded: lists are paginated or
capped; heavy work runs alone in a process of its own, killed past its time limit or
when the client leaves (``http_security.run_in_child``); the Host header is checked
(DNS rebinding) and security headers are sent.
"""

# No `from __future__ import annotations` here: FastAPI reads the annotations of the
# route functions at run time, and the `Store` alias they use is local to create_app.
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from .errors import NotFound, StorylineError
from .http_security import (
    DEFAULT_ALLOWED_HOSTS,
    add_error_shape,
    add_host_check,
    add_offline_docs,
    add_security_headers,
    error_response,
    run_in_child,
)
from .store.sqlite import SQLiteStore, open_store

# Offsets and limits beyond these are refused with 400 (SQLite's integers are 64-bit;
# 9223372036854775808 used to reach it and come back as a 500).
MAX_OFFSET = 1_000_000_000
# Lists (entities, events) come in pages: this many by default, at most MAX_PAGE.
DEFAULT_PAGE = 1_000
MAX_PAGE = 10_000
# /api/export builds the whole corpus in memory: beyond this many articles it is refused
# with 413 and the CLI (which streams JSON Lines) is the way.
MAX_EXPORT_ARTICLES = 5_000
# Seconds a heavy request (export, report) may compute before the client gets a 503.
HEAVY_SECONDS = 30.0


def create_app(db_path: str | Path, *, token: str | None = None, settings: Any = None,
               allow_private_urls: bool = False, allowed_hosts: Any = DEFAULT_ALLOWED_HOSTS) -> Any:
    """A FastAPI application serving the store at ``db_path``: the API and the web app (``storyline.web``).
    Writes need ``token``; without one, a random token nobody knows is used (read-only).
    Only requests whose Host is in ``allowed_hosts`` (loopback names by default; "*" for any) are served."""
    try:
        from fastapi import Depends, FastAPI, Query, Request
        from fastapi.responses import JSONResponse, Response
        from starlette.concurrency import run_in_threadpool
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise StorylineError('the HTTP API needs the serve extra: pip install -e ".[serve]"') from exc

    from . import analysis, api
    from .export import article_record

    # FastAPI's own docs page pulls Swagger UI from a CDN; add_offline_docs serves a local one.
    app = FastAPI(title="storyline", version=_version(), docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json")
    add_error_shape(app)
    add_offline_docs(app)

    def store() -> Iterator[SQLiteStore]:
        from .web.cache import CachedStore

        s = open_store(db_path)
        try:
            # The whole-store reads (events, entities, event assignments) come from the web app's
            # memo, valid until the database changes: at 100k articles, reading them per request
            # was most of an /api/events or /api/articles answer.
            yield CachedStore(s, app.state.web.memo)  # type: ignore[misc]
        finally:
            s.close()

    Store = Annotated[SQLiteStore, Depends(store)]

    @app.exception_handler(NotFound)
    async def not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"error": {"type": "not_found", "message": str(exc)}}, status_code=404)

    @app.exception_handler(StorylineError)
    async def bad_request(_request: Request, exc: StorylineError) -> JSONResponse:
        return JSONResponse({"error": {"type": "bad_request", "message": str(exc)}}, status_code=400)

    from fastapi.exceptions import RequestValidationError

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        message = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return JSONResponse({"error": {"type": "bad_request", "message": message}}, status_code=400)

    @app.get("/api/articles")
    def articles(s: Store, limit: Annotated[int, Query(ge=1, le=1000)] = 50,
                 offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
                 source: str | None = None, language: str | None = None) -> dict[str, Any]:
        event_of = s.event_assignments()
        rows = s.articles(limit=limit, offset=offset, source=source, language=language)
        return {"total": s.count_articles(), "offset": offset, "limit": limit, "articles": [
            {k: v for k, v in article_record(a, event_of.get(a.id)).items() if k != "text"} for a in rows]}

    @app.get("/api/articles/{article_id}")
    def article(article_id: str, s: Store) -> dict[str, Any]:
        a = s.article(article_id)
        return article_record(a, s.event_assignments().get(a.id)) | {
            "changes": s.article_changes(a.id), "mentions": [m.__dict__ for m in s.mentions([a.id])],
            "quotes": [q.__dict__ for q in s.quotes([a.id])], "citations": [c.__dict__ for c in s.citations([a.id])],
            "dates": [d.__dict__ for d in s.dates([a.id])]}

    @app.get("/api/search")
    def search(s: Store, q: Annotated[str, Query(min_length=1)],
               limit: Annotated[int, Query(ge=1, le=200)] = 20, semantic: bool = False) -> dict[str, Any]:
        if semantic:  # sentences closest in meaning, from the stored sentence vectors
            return {"query": q, "semantic": True, "hits": [h.__dict__ for h in api.semantic_search(s, q, limit)]}
        return {"query": q, "hits": [h.__dict__ for h in s.search(q, limit, window=app.state.web.search_window)]}

    Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
    Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]

    @app.get("/api/entities")
    def entities(s: Store, type: str | None = None, limit: Limit = DEFAULT_PAGE,  # noqa: A002
                 offset: Offset = 0) -> dict[str, Any]:
        rows = s.entities(type.upper() if type else None)
        return {"total": len(rows), "offset": offset, "limit": limit, "entities": rows[offset:offset + limit]}

    @app.get("/api/entities/{name}")
    def entity(name: str, s: Store) -> dict[str, Any]:
        return api.find_entity(s, name)

    @app.get("/api/events")
    def events(s: Store, limit: Limit = DEFAULT_PAGE, offset: Offset = 0) -> dict[str, Any]:
        rows = s.events()
        page = rows[offset:offset + limit]
        # The stories of the listed events only: every story was 26k rows per page at 100k articles.
        return {"total": len(rows), "offset": offset, "limit": limit, "events": page,
                "storylines": analysis.storylines_of(s, page)}

    @app.get("/api/events/{event_id}")
    def event(event_id: str, s: Store) -> dict[str, Any]:
        e = s.event(event_id)
        return e | {"members": {aid: s.event_member(aid) for aid in e["article_ids"]}}

    # Heavy work runs in a process of its own (run_in_child): killed when it runs past
    # HEAVY_SECONDS, when the client leaves, or when the server stops; one at a time.
    @app.get("/api/events/{event_id}/report")
    async def event_report(event_id: str, request: Request) -> Any:
        # Stored, rebuilt only when the event changed; the rebuild is the heavy part. A current
        # stored report is answered here, in a worker thread: a child process per request cost
        # a process start, and heavy jobs run one at a time, so concurrent readers got 503s.
        view = await run_in_threadpool(_stored_view, str(db_path), event_id)
        if view is not None:  # the stored JSON text, sent as it is
            return Response(view, media_type="application/json")
        return await run_in_child(_report_job, str(db_path), event_id, seconds=HEAVY_SECONDS,
                                  what=f"the report of {event_id}", request=request)

    @app.get("/api/export")
    async def export(s: Store, request: Request, reports: bool = False) -> Any:
        count = s.count_articles()
        if count > MAX_EXPORT_ARTICLES:
            return error_response(413, f"the store has {count} articles, over the {MAX_EXPORT_ARTICLES} this "
                                  "endpoint exports at once; use `storyline export --format jsonl -o FILE`, "
                                  "or page through /api/articles")
        return await run_in_child(_export_job, str(db_path), reports, seconds=HEAVY_SECONDS, what="the export",
                                  request=request)

    # The analyst's web app: pages, their JSON twins, corrections and uploads (storyline/web/).
    from .web import mount
    from .web.security import new_token

    mount(app, db_path, token=token or new_token(), settings=settings, allow_private_urls=allow_private_urls)
    # Added last, so they wrap everything above (middleware added later runs first).
    add_security_headers(app)
    add_host_check(app, allowed_hosts)
    return app


def _stored_view(db_path: str, event_id: str) -> str | None:
    from . import api

    with open_store(db_path) as s:
        return api.stored_report_view(s, event_id, as_text=True)


def _report_job(db_path: str, event_id: str) -> dict[str, Any]:
    from . import api

    with open_store(db_path) as s:
        return api.event_report_view(s, event_id)


def _export_job(db_path: str, reports: bool) -> dict[str, Any]:
    from .export import build_export

    with open_store(db_path) as s:
        return build_export(s, with_reports=reports)


def _version() -> str:
    from . import __version__

    return __version__

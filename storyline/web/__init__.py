"""The analyst's web app: server-rendered pages (Jinja2 templates, htmx served locally) over
``storyline.api`` and ``storyline.analysis``; every page has a JSON twin under ``/api``.

The web layer holds no SQL and no domain logic: it parses requests, checks credentials, calls
library functions and renders their results. ``mount`` adds it to the FastAPI app that
``storyline.http.create_app`` builds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..store.sqlite import SQLiteStore, open_store
from .cache import CachedStore, StoreMemo
from .jobs import MAX_UPLOAD_BYTES, JobRunner
from .security import Forbidden, Guard, Unauthorized, body_limit_middleware

HERE = Path(__file__).parent


@dataclass
class WebState:
    db_path: str
    guard: Guard
    jobs: JobRunner
    templates: Any
    memo: StoreMemo
    search_window: int | None = None  # Settings.search_rank_window (None: rank every match)

    def store(self) -> Iterator[SQLiteStore]:
        s = open_store(self.db_path)
        try:
            yield CachedStore(s, self.memo)  # type: ignore[misc]
        finally:
            s.close()


def mount(app: Any, db_path: str | Path, *, token: str, settings: Any = None,
          allow_private_urls: bool = False) -> WebState:
    """Add the web pages, their JSON twins, the write endpoints and the static files to ``app``."""
    from fastapi import Request
    from fastapi.responses import JSONResponse
    from fastapi.staticfiles import StaticFiles
    from fastapi.templating import Jinja2Templates

    templates = Jinja2Templates(directory=str(HERE / "templates"))
    from .filters import install

    install(templates.env)
    from ..settings import load_settings

    window = getattr(settings or load_settings(), "search_rank_window", 0) or None
    state = WebState(str(db_path), Guard(token), JobRunner(db_path, settings, allow_private_urls), templates,
                     StoreMemo(str(db_path)), window)
    app.state.web = state

    @app.exception_handler(Unauthorized)
    @app.exception_handler(Forbidden)
    async def _denied(request: Request, exc: Unauthorized | Forbidden) -> Any:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": {"type": exc.kind, "message": str(exc)}}, status_code=exc.status)
        return templates.TemplateResponse(request, "error.html", {"status": exc.status, "message": str(exc),
                                                                 **base_context(request, state)},
                                          status_code=exc.status)

    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    def for_a_browser(request: Request) -> bool:
        return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")

    # A browser that follows a mistyped link or posts a form without its fields gets a page, not JSON;
    # scripts (and everything under /api/) keep the JSON error shape.
    json_http, json_invalid = app.exception_handlers[HTTPException], app.exception_handlers[RequestValidationError]

    @app.exception_handler(HTTPException)
    async def _missing_page(request: Request, exc: HTTPException) -> Any:
        if exc.status_code in (404, 405) and for_a_browser(request):
            message = (f"no page at {request.url.path}; start from the events list" if exc.status_code == 404
                       else f"{request.method} is not allowed on {request.url.path}")
            return templates.TemplateResponse(request, "error.html", {"status": exc.status_code, "message": message,
                                                                     **base_context(request, state)},
                                              status_code=exc.status_code)
        return await json_http(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _bad_form(request: Request, exc: RequestValidationError) -> Any:
        if for_a_browser(request):
            fields = ", ".join(".".join(map(str, e["loc"][1:])) or "the request" for e in exc.errors())
            message = f"the form was incomplete or out of date ({fields}); reload the page and try again"
            return templates.TemplateResponse(request, "error.html", {"status": 400, "message": message,
                                                                     **base_context(request, state)}, status_code=400)
        return await json_invalid(request, exc)

    from . import api_routes, pages

    app.include_router(api_routes.router(state))
    app.include_router(pages.router(state))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    body_limit_middleware(app, ("/actions/add", "/api/jobs"), MAX_UPLOAD_BYTES + 256 * 1024)
    return state


def base_context(request: Any, state: WebState) -> dict[str, Any]:
    """What every template needs: whether the browser may write, and its CSRF token."""
    signed_in = state.guard.signed_in(request)
    return {"signed_in": signed_in,
            "csrf": state.guard.csrf_for(state.guard.session_value()) if signed_in else ""}

"""The HTML pages (GET) and the browser's form actions (POST, signed in, CSRF-checked).

Each page calls one or two library functions and renders the result; its JSON twin in
``api_routes`` calls the same functions.
"""

# No `from __future__ import annotations`: FastAPI reads the route annotations at run time.
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .. import analysis, api
from ..errors import NotFound, QueryError, StorylineError
from ..store.query import parse as parse_query
from ..store.sqlite import SQLiteStore
from . import WebState, base_context
from .filters import pathq
from .plots import bar_chart, layered_graph
from .security import CSRF_FIELD, SESSION_COOKIE, Unauthorized

PER_PAGE = 20


def _unit(points: list[tuple[str, int]]) -> str:
    """analysis.volume_by_day counts per month (YYYY-MM labels) over spans longer than a year, per
    year (YYYY) over spans longer than ten."""
    return {7: "month", 4: "year"}.get(len(points[0][0]), "day") if points else "day"


def router(state: WebState) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    Store = Annotated[SQLiteStore, Depends(state.store)]

    def by_date(s: SQLiteStore) -> analysis.EventsByDate:
        return state.memo.derived(("events by date",), lambda: analysis.EventsByDate.of(s))

    def outlets(s: SQLiteStore) -> list[dict[str, Any]]:  # every article's source, counted once per store state
        return state.memo.derived(("outlet names",), lambda: analysis.outlet_names(s))

    def render(request: Request, name: str, build: Callable[[], dict[str, Any]], status: int = 200, *,
               cached: bool = False) -> Response:
        if cached and not request.query_params and not state.guard.signed_in(request):
            # The same page for every reader who is not signed in, until the store changes: drawn
            # once per store state. Drawing an event's report was 85% of the event page's CPU
            # (10-13 ms a request at 100k articles), the same work for every reader.
            body, code = state.memo.derived(("page", name, request.url.path), lambda: (
                (page := render(request, name, build, status)).body, page.status_code))
            return HTMLResponse(body, status_code=code)
        try:
            ctx = build()
        except NotFound as exc:
            name, ctx, status = "error.html", {"status": 404, "message": str(exc)}, 404
        except StorylineError as exc:
            name, ctx, status = "error.html", {"status": 400, "message": str(exc)}, 400
        ctx |= base_context(request, state) | {"path": request.url.path, "flash": request.query_params.get("done")}
        return state.templates.TemplateResponse(request, name, ctx, status_code=status)

    # -- reading ---------------------------------------------------------------------------------------------

    @r.get("/", response_class=HTMLResponse)
    def home(request: Request, s: Store, since: str = "", until: str = "", outlet: str = "", language: str = "",
             min_size: Annotated[int, Query(ge=1)] = 1, sort: str = "recent",
             offset: Annotated[int, Query(ge=0)] = 0) -> Response:
        params = {"since": since, "until": until, "outlet": outlet, "language": language,
                  "min_size": min_size if min_size > 1 else "", "sort": sort}

        def build() -> dict[str, Any]:
            # The same page is computed once per store state (at 100k articles it took seconds: every
            # event and every article's date, per request).
            view = state.memo.derived(
                ("home", since, until, outlet, language, min_size, sort, offset),
                lambda: analysis.home_view(s, since=since or None, until=until or None, outlet=outlet or None,
                                           language=language or None, min_size=min_size, sort=sort, offset=offset,
                                           limit=PER_PAGE))
            return view | {"params": params, "sorts": analysis.SORTS, "storylines": view["stories"][:PER_PAGE],
                           "volume": bar_chart(view["volume"], f"Articles published per {_unit(view['volume'])}")}

        return render(request, "home.html", build)

    @r.get("/events/{event_id}", response_class=HTMLResponse)
    def event_page(request: Request, event_id: str, s: Store) -> Response:
        try:
            s.event(event_id)
        except NotFound:  # merged away: a bookmark goes on to the event it lives on in (the clusterer's
            successor = s.merged_into(event_id)  # aliases are read only for an id that is not an event)
            if successor:
                return RedirectResponse(f"/events/{pathq(successor)}", status_code=301)

        def build() -> dict[str, Any]:
            event = s.event(event_id)
            rep = api.event_report_view(s, event_id)  # the stored report, rebuilt only when the event changed
            per_outlet = [(o["name"], len(o["article_ids"])) for o in rep["outlets"]]
            timeline = [(t["value"], len(t["outlets"])) for t in rep["timeline"]]
            groups = sorted(rep["claim_groups"], key=lambda g: -g["support"])[:15]
            cells = dict(zip(rep["coverage"]["group_ids"], zip(*rep["coverage"]["cells"], strict=False),
                             strict=False)) if rep["coverage"]["cells"] else {}
            claims = {c["id"]: c for c in rep["claims"]}
            others = analysis.merge_candidates(s, event["first_published"], exclude=event_id, by_date=by_date(s))
            return {"event": event, "r": rep, "groups": groups, "cells": cells, "claims": claims,
                    "others": others, "storyline": analysis.storyline_of(s, event_id, event),
                    "why": analysis.membership_view(s, event_id, [a["id"] for a in rep["articles"]]),
                    "coverage_chart": bar_chart(per_outlet, "Articles per outlet"),
                    "timeline_chart": bar_chart(timeline, "Outlets reporting each date", unit="outlet reports"),
                    "graph": layered_graph(rep["sources"])}

        return render(request, "event.html", build, cached=True)

    @r.get("/stories/{storyline_id}", response_class=HTMLResponse)
    def story_page(request: Request, storyline_id: str, s: Store) -> Response:
        def build() -> dict[str, Any]:
            view = analysis.storyline_view(s, storyline_id)
            pts = [(f"{(e['first_published'] or '?')[:10]} {e['id']}", len(e["article_ids"])) for e in view["events"]]
            return {"story": view, "chart": bar_chart(pts, "Articles per event, in time order",
                                                       hrefs=[f"/events/{e['id']}" for e in view["events"]])}

        return render(request, "story.html", build)

    @r.get("/entities/{name}", response_class=HTMLResponse)
    def entity_page(request: Request, name: str, s: Store) -> Response:
        def build() -> dict[str, Any]:
            view = analysis.entity_view(s, name)
            everyone = s.entities(articles=False)  # names and counts: the lists are not shown
            others = [e for e in everyone if e["type"] == view["type"] and e["id"] != view["id"]][:200]
            return {"e": view, "others": others, "names": {e["id"]: e["name"] for e in everyone},
                    "chart": bar_chart(view["articles_by_day"],
                                       f"Articles mentioning {view['name']} per {_unit(view['articles_by_day'])}")}

        return render(request, "entity.html", build)

    @r.get("/articles/{article_id}", response_class=HTMLResponse)
    def article_page(request: Request, article_id: str, s: Store, start: int | None = None,
                     end: int | None = None) -> Response:
        def build() -> dict[str, Any]:
            focus = (start, end) if start is not None and end is not None else None
            view = analysis.article_view(s, article_id, focus)
            return {"v": view, "a": view["article"], "focus": focus,
                    "events": analysis.merge_candidates(s, view["article"].published, exclude=view["event_id"],
                                                        by_date=by_date(s))}

        return render(request, "article.html", build)

    @r.get("/outlets", response_class=HTMLResponse)
    def outlets_page(request: Request, s: Store) -> Response:
        return render(request, "outlets.html", lambda: {"outlets": outlets(s)})

    @r.get("/outlets/{name:path}", response_class=HTMLResponse)
    def outlet_page(request: Request, name: str, s: Store) -> Response:
        def build() -> dict[str, Any]:
            view = analysis.outlet_view(s, name)
            return {"o": view, "chart": bar_chart(view["articles_by_day"],
                                                  f"Articles by {name} per {_unit(view['articles_by_day'])}")}

        return render(request, "outlet.html", build)

    @r.get("/search", response_class=HTMLResponse)
    def search_page(request: Request, s: Store, q: str = "", source: str = "", language: str = "",
                    since: str = "", until: str = "", mode: str = "words",
                    offset: Annotated[int, Query(ge=0)] = 0) -> Response:
        params = {"q": q, "source": source, "language": language, "since": since, "until": until, "mode": mode}
        query_error = None
        if q.strip() and mode != "meaning":
            try:
                parse_query(q)
            except QueryError as exc:  # shown above the form, which keeps the query to correct
                query_error = str(exc)

        def build() -> dict[str, Any]:
            page = analysis.search_articles(s, q, source=source or None, language=language or None,
                                            since=since or None, until=until or None, offset=offset,
                                            limit=PER_PAGE, semantic=mode == "meaning",
                                            window=state.search_window) if q.strip() and not query_error else None
            return {"page": page, "params": params, "outlets": outlets(s), "query_error": query_error}

        return render(request, "search.html", build, 400 if query_error else 200)

    @r.get("/rejects", response_class=HTMLResponse)
    def rejects_page(request: Request, s: Store, offset: Annotated[int, Query(ge=0)] = 0) -> Response:
        return render(request, "rejects.html",
                      lambda: {"page": analysis.paginate(s.rejections()[::-1], offset, 50)})

    @r.get("/audit", response_class=HTMLResponse)
    def audit_page(request: Request, s: Store, offset: Annotated[int, Query(ge=0)] = 0) -> Response:
        return render(request, "audit.html", lambda: {"page": analysis.paginate(api.decision_log(s), offset, 50)})

    @r.get("/add", response_class=HTMLResponse)
    def add_page(request: Request) -> Response:
        return render(request, "add.html", lambda: {"jobs": state.jobs.recent()[:10]})

    @r.get("/jobs/{job_id}", response_class=HTMLResponse)
    def job_fragment(request: Request, job_id: str) -> Response:
        return render(request, "job.html", lambda: {"job": state.jobs.get(job_id)})

    @r.get("/login", response_class=HTMLResponse)
    def login_page(request: Request) -> Response:
        return render(request, "login.html", lambda: {"next": request.query_params.get("next", "/")})

    # -- writing ---------------------------------------------------------------------------------------------

    def safe_next(target: str) -> str:
        return target if target.startswith("/") and not target.startswith("//") else "/"

    @r.post("/login")
    def login(request: Request, token: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:  # noqa: A002
        if not state.guard.token_ok(token.strip()):
            raise Unauthorized("wrong token; use the one `storyline serve` printed (or --token / STORYLINE_TOKEN)")
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(SESSION_COOKIE, state.guard.session_value(), httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")
        return response

    @r.post("/logout")
    def logout(request: Request, csrf: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
        state.guard.check_form_write(request, csrf)
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    def act(request: Request, csrf: str, back: str, do: Callable[[], str]) -> Response:
        state.guard.check_form_write(request, csrf)
        try:
            message = do()
        except (NotFound, StorylineError, ValueError) as exc:
            status = 404 if isinstance(exc, NotFound) else 400
            return state.templates.TemplateResponse(
                request, "error.html", {"status": status, "message": str(exc), **base_context(request, state)},
                status_code=status)
        from urllib.parse import urlencode

        return RedirectResponse(f"{back}?{urlencode({'done': message})}", status_code=303)

    Csrf = Annotated[str, Form(alias=CSRF_FIELD)]
    Note = Annotated[str, Form()]

    @r.post("/actions/events/merge")
    def merge_events(request: Request, s: Store, csrf: Csrf, keep: Annotated[str, Form()],
                     other: Annotated[str, Form()], note: Note = "", by: Note = "") -> Response:
        return act(request, csrf, f"/events/{keep}", lambda: (
            f"merged {other} into {api.merge_events(s, keep, other, note or None, by=by or 'web')}"))

    @r.post("/actions/events/split")
    def split_event(request: Request, s: Store, csrf: Csrf, event_id: Annotated[str, Form()],
                    article_ids: Annotated[list[str], Form()], note: Note = "", by: Note = "") -> Response:
        new: list[str] = []

        def do() -> str:
            new.append(api.split_event(s, event_id, article_ids, note or None, by=by or "web"))
            return f"split {len(article_ids)} article(s) out of {event_id} into {new[0]}"

        return act(request, csrf, f"/events/{event_id}", do)

    @r.post("/actions/articles/move")
    def move_article(request: Request, s: Store, csrf: Csrf, article_id: Annotated[str, Form()],
                     to_event: Annotated[str, Form()] = "", note: Note = "", by: Note = "") -> Response:
        return act(request, csrf, f"/articles/{article_id}", lambda: (
            f"moved to {api.move_article(s, article_id, to_event or None, note or None, by=by or 'web')}"))

    @r.post("/actions/entities/merge")
    def merge_entities(request: Request, s: Store, csrf: Csrf, keep: Annotated[str, Form()],
                       other: Annotated[str, Form()], note: Note = "", by: Note = "") -> Response:
        def do() -> str:
            api.merge_entities(s, keep, other, note or None, by=by or "web")
            return f"merged {other} into {keep}"

        return act(request, csrf, f"/entities/{keep}", do)

    @r.post("/actions/entities/split")
    def split_entity(request: Request, s: Store, csrf: Csrf, entity_id: Annotated[str, Form()],
                     variant: Annotated[str, Form()] = "", mentions: Annotated[list[str] | None, Form()] = None,
                     note: Note = "", by: Note = "") -> Response:
        def do() -> str:
            d = api.split_entity(s, entity_id, variants=[variant] if variant else [], mention_keys=mentions or [],
                                 note=note or None, by=by or "web")
            what = f"spelled {variant!r} " if variant else ""
            return f"split {len(d['mentions'])} mention(s) {what}out of {entity_id}"

        return act(request, csrf, f"/entities/{entity_id}", do)

    @r.post("/actions/undo")
    def undo(request: Request, s: Store, csrf: Csrf, decision_id: Annotated[int | None, Form()] = None,
             by: Note = "") -> Response:
        def do() -> str:
            done = api.undo_decision(s, decision_id, by=by or "web")
            return f"undid decision {done['decision']} ({done['kind']})"

        return act(request, csrf, "/audit", do)

    @r.post("/actions/add")
    async def add(request: Request, csrf: Csrf, files: Annotated[list[UploadFile] | None, Form()] = None,
                  text: Annotated[str, Form()] = "", urls: Annotated[str, Form()] = "",
                  by: Note = "") -> Response:
        from .api_routes import read_uploads

        state.guard.check_form_write(request, csrf)
        try:
            blobs = await read_uploads(files or [])
            job = state.jobs.submit(blobs, [text], [u.strip() for u in urls.split() if u.strip()], by or "web")
        except StorylineError as exc:
            return state.templates.TemplateResponse(
                request, "error.html", {"status": 400, "message": str(exc), **base_context(request, state)},
                status_code=400)
        return RedirectResponse(f"/add?job={job.id}", status_code=303)

    return r

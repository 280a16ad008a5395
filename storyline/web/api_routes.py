"""JSON twins of the web pages, and the write endpoints (bearer token, or a signed-in browser
with its CSRF header). Errors use the one shape ``{"error": {"type", "message"}}``; lists are paged
(``offset``, ``limit`` at most 200) and say their ``total``."""

# No `from __future__ import annotations`: FastAPI reads the route annotations at run time.
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from pydantic import BaseModel

from .. import analysis, api
from ..errors import ConfigError
from ..store.sqlite import SQLiteStore
from . import WebState
from .jobs import MAX_UPLOAD_BYTES

Offset = Annotated[int, Query(ge=0)]
Limit = Annotated[int, Query(ge=1, le=analysis.MAX_LIMIT)]


class EventMerge(BaseModel):
    keep: str
    other: str
    note: str | None = None
    by: str | None = None


class EventSplit(BaseModel):
    event_id: str
    article_ids: list[str]
    note: str | None = None
    by: str | None = None


class ArticleMove(BaseModel):
    article_id: str
    to_event: str | None = None
    note: str | None = None
    by: str | None = None


class EntityMerge(BaseModel):
    keep: str
    other: str
    note: str | None = None
    by: str | None = None


class EntitySplit(BaseModel):
    entity_id: str
    variants: list[str] = []
    mentions: list[str] = []
    note: str | None = None
    by: str | None = None


class Undo(BaseModel):
    decision_id: int | None = None
    by: str | None = None


async def read_uploads(files: list[UploadFile]) -> list[tuple[str, bytes]]:
    """The uploaded files' names and bytes, refusing more than MAX_UPLOAD_BYTES in all."""
    out, total = [], 0
    for f in files:
        if not f.filename:
            continue
        data = await f.read(MAX_UPLOAD_BYTES + 1 - total)
        total += len(data)
        if total > MAX_UPLOAD_BYTES:
            raise ConfigError(f"upload too large: more than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB in all; "
                              "send fewer files at once or ingest them with `storyline ingest`")
        out.append((f.filename, data))
    return out


def router(state: WebState) -> APIRouter:
    r = APIRouter(prefix="/api", tags=["web"])
    Store = Annotated[SQLiteStore, Depends(state.store)]

    def writer(request: Request) -> None:
        state.guard.check_api_write(request)

    Write = Depends(writer)

    # -- reading (twins of the pages) ------------------------------------------------------------------------

    @r.get("/overview")
    def overview(s: Store, since: str | None = None, until: str | None = None, outlet: str | None = None,
                 language: str | None = None, min_size: Annotated[int, Query(ge=1)] = 1, sort: str = "recent",
                 offset: Offset = 0, limit: Limit = 20) -> dict[str, Any]:
        """The home page: events filtered and sorted (recent, growing, size, oldest), and articles per day."""
        view = analysis.home_view(s, since=since, until=until, outlet=outlet, language=language,
                                  min_size=min_size, sort=sort, offset=offset, limit=limit)
        return view["page"].to_dict("events") | {"volume": view["volume"]}

    @r.get("/storylines")
    def storylines(s: Store, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        return analysis.paginate(analysis.stories(s), offset, limit).to_dict("storylines")

    @r.get("/storylines/{storyline_id}")
    def storyline(storyline_id: str, s: Store) -> dict[str, Any]:
        return analysis.storyline_view(s, storyline_id)

    @r.get("/entities/{name}/profile")
    def entity_profile(name: str, s: Store) -> dict[str, Any]:
        """The entity page: spellings with scripts, articles per day, quotes by and about, why merged."""
        return analysis.entity_view(s, name)

    @r.get("/articles/{article_id}/annotated")
    def article_annotated(article_id: str, s: Store, start: int | None = None,
                          end: int | None = None) -> dict[str, Any]:
        """The article page: clean text cut into segments tagged with the annotations covering them."""
        focus = (start, end) if start is not None and end is not None else None
        view = analysis.article_view(s, article_id, focus)
        a = view.pop("article")
        return view | {"id": a.id, "title": a.title, "source": a.source, "published": a.published,
                       "language": a.language, "segments": [seg.__dict__ for seg in view["segments"]]}

    @r.get("/outlets")
    def outlets(s: Store, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        return analysis.paginate(analysis.outlet_names(s), offset, limit).to_dict("outlets")

    @r.get("/outlets/{name:path}")
    def outlet(name: str, s: Store) -> dict[str, Any]:
        """The outlet page: what it covers, its blind spots, how often it was first."""
        return analysis.outlet_view(s, name)

    @r.get("/search/hits")
    def search_hits(s: Store, q: Annotated[str, Query(min_length=1)], source: str | None = None,
                    language: str | None = None, since: str | None = None, until: str | None = None,
                    semantic: bool = False, offset: Offset = 0, limit: Limit = 20) -> dict[str, Any]:
        """The search page: full-text hits with snippets (or, with ``semantic``, the sentences closest in
        meaning), filtered by outlet, language and date."""
        page = analysis.search_articles(s, q, source=source, language=language, since=since, until=until,
                                        offset=offset, limit=limit, semantic=semantic, window=state.search_window)
        return {"query": q, "semantic": semantic} | page.to_dict("hits")

    @r.get("/rejects")
    def rejects(s: Store, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        return analysis.paginate(s.rejections()[::-1], offset, limit).to_dict("rejects")

    @r.get("/decisions")
    def decisions(s: Store, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        """The audit log, newest first: who decided what, when, and whether it was undone."""
        return analysis.paginate(api.decision_log(s), offset, limit).to_dict("decisions")

    @r.get("/jobs")
    def jobs(offset: Offset = 0, limit: Limit = 20) -> dict[str, Any]:
        return analysis.paginate([j.to_dict() for j in state.jobs.recent()], offset, limit).to_dict("jobs")

    @r.get("/jobs/{job_id}")
    def job(job_id: str) -> dict[str, Any]:
        return state.jobs.get(job_id).to_dict()

    # -- writing ---------------------------------------------------------------------------------------------

    @r.post("/events/merge", dependencies=[Write])
    def merge_events(body: EventMerge, s: Store) -> dict[str, Any]:
        return {"event_id": api.merge_events(s, body.keep, body.other, body.note, by=body.by or "api")}

    @r.post("/events/split", dependencies=[Write])
    def split_event(body: EventSplit, s: Store) -> dict[str, Any]:
        return {"new_event_id": api.split_event(s, body.event_id, body.article_ids, body.note, by=body.by or "api")}

    @r.post("/articles/move", dependencies=[Write])
    def move_article(body: ArticleMove, s: Store) -> dict[str, Any]:
        return {"event_id": api.move_article(s, body.article_id, body.to_event, body.note, by=body.by or "api")}

    @r.post("/entities/merge", dependencies=[Write])
    def merge_entities(body: EntityMerge, s: Store) -> dict[str, Any]:
        return api.merge_entities(s, body.keep, body.other, body.note, by=body.by or "api")

    @r.post("/entities/split", dependencies=[Write])
    def split_entity(body: EntitySplit, s: Store) -> dict[str, Any]:
        return api.split_entity(s, body.entity_id, mention_keys=body.mentions, variants=body.variants,
                                note=body.note, by=body.by or "api")

    @r.post("/decisions/undo", dependencies=[Write])
    def undo(body: Undo, s: Store) -> dict[str, Any]:
        """Undo the latest standing decision (or ``decision_id``)."""
        return api.undo_decision(s, body.decision_id, by=body.by or "api")

    @r.post("/jobs", dependencies=[Write], status_code=202)
    async def add_articles(files: Annotated[list[UploadFile] | None, Form()] = None,
                           text: Annotated[str, Form()] = "", urls: Annotated[str, Form()] = "",
                           by: Annotated[str, Form()] = "") -> dict[str, Any]:
        """Queue files (the formats of `storyline ingest`), pasted text and URLs; poll `/api/jobs/{id}`."""
        blobs = await read_uploads(files or [])
        job = state.jobs.submit(blobs, [text], [u.strip() for u in urls.split() if u.strip()], by or "api")
        return job.to_dict()

    return r

"""storyline: news story intelligence, offline and self-hosted.

    >>> import storyline
    >>> settings = storyline.load_settings()
    >>> store = storyline.open_store(":memory:")
    >>> ingested = storyline.ingest(store, ["articles/"], settings=settings)  # doctest: +SKIP
    >>> storyline.run_pipeline(store, settings)  # enrich + cluster what is new  # doctest: +SKIP
    >>> storyline.event_report(store, "ev_000001")  # one event's coverage report  # doctest: +SKIP

The CLI is a thin client of what is exported here.
"""


__version__ = "0.1.0"

from .api import (
    compute_event_report,
    decision_log,
    event_input,
    event_report,
    event_report_view,
    event_reports,
    export_jsonl,
    export_parquet,
    export_records,
    find_entity,
    materialise_reports,
    merge_entities,
    merge_events,
    move_article,
    recluster,
    run_demo,
    run_pipeline,
    semantic_search,
    split_entity,
    split_event,
    undo_decision,
    write_report,
)
from .clean import CleanResult, clean_text
from .errors import ConfigError, InputRejected, NotFound, QueryError, StoreError, StorylineError
from .export import build_export
from .model import (
    Article,
    ArticleDraft,
    Citation,
    DateMention,
    Edit,
    Mention,
    OffsetMap,
    Quote,
    Rejection,
    Span,
)
from .pipeline import IngestReport, ingest, prepare_article
from .settings import Settings, load_settings
from .store.sqlite import SQLiteStore, open_store

__all__ = [
    "Article",
    "ArticleDraft",
    "Citation",
    "CleanResult",
    "ConfigError",
    "DateMention",
    "Edit",
    "IngestReport",
    "InputRejected",
    "Mention",
    "NotFound",
    "OffsetMap",
    "QueryError",
    "Quote",
    "Rejection",
    "SQLiteStore",
    "Settings",
    "Span",
    "StoreError",
    "StorylineError",
    "__version__",
    "build_export",
    "compute_event_report",
    "decision_log",
    "event_input",
    "event_report",
    "event_report_view",
    "event_reports",
    "export_jsonl",
    "export_parquet",
    "export_records",
    "find_entity",
    "materialise_reports",
    "merge_entities",
    "merge_events",
    "move_article",
    "recluster",
    "semantic_search",
    "split_entity",
    "split_event",
    "undo_decision",
    "write_report",
    "clean_text",
    "ingest",
    "load_settings",
    "open_store",
    "prepare_article",
    "run_demo",
    "run_pipeline",
]

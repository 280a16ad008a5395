"""storyline: news story intelligence, offline and self-hosted.

    >>> import storyline
    >>> store = storyline.open_store(":memory:")
    >>> report = storyline.ingest(store, ["articles/"], settings=storyline.load_settings())

The CLI, HTTP API and web UI are thin clients of what is exported here.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .api import run_demo, run_pipeline
from .clean import CleanResult, clean_text
from .errors import ConfigError, InputRejected, NotFound, StoreError, StorylineError
from .export import build_export
from .model import Article, ArticleDraft, Citation, DateMention, Edit, Mention, OffsetMap, Quote, Rejection, Span
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
    "Quote",
    "Rejection",
    "SQLiteStore",
    "Settings",
    "Span",
    "StoreError",
    "StorylineError",
    "__version__",
    "build_export",
    "clean_text",
    "ingest",
    "load_settings",
    "open_store",
    "prepare_article",
    "run_demo",
    "run_pipeline",
]

"""Errors raised by storyline.

Every message says what failed, why, and what to do about it::

    StorylineError
    ├── InputRejected      one input item cannot be used (recorded as a rejection; the batch goes on)
    ├── StoreError         the database cannot be opened or is from a newer storyline
    ├── NotFound           an id or name that is not in the store
    ├── ConfigError        a setting or option has a value storyline cannot use
    └── QueryError         a search query no store can answer (empty, only NOT, a dangling operator)
"""

from __future__ import annotations


class StorylineError(Exception):
    """Base class: catch this to handle every storyline failure."""


class InputRejected(StorylineError):
    """An input item was refused. ``reason`` is meant for the user, with the fix."""

    def __init__(self, reason: str, *, stage: str = "read"):
        super().__init__(reason)
        self.reason = reason
        self.stage = stage


class StoreError(StorylineError):
    """The database cannot be opened, or was written by a newer storyline."""
    pass


class NotFound(StorylineError):
    """An id or name that is not in the store; the message says how to list what is."""
    pass


class ConfigError(StorylineError):
    """A setting or option has a value storyline cannot use."""
    pass


class QueryError(StorylineError):
    """A full-text or semantic query no store can answer; the message says how to write it
    (storyline/store/query.py)."""

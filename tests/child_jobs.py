"""Module-level jobs for tests of ``http_security.run_in_child`` (a spawned process imports them by name)."""

from __future__ import annotations

import os
import time


def pid_then_sleep(path: str, seconds: float) -> str:
    with open(path, "w") as fh:
        fh.write(str(os.getpid()))
    time.sleep(seconds)
    return "slept"


def add(a: int, b: int) -> int:
    return a + b


def fail() -> None:
    from storyline.errors import NotFound

    raise NotFound("no event 'ev_x'; list them with storyline events")


def hog_memory() -> int:
    blocks = [bytearray(256 * 1024 * 1024) for _ in range(40)]  # 10 GB: over any cap below
    return len(blocks)

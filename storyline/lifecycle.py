"""Child processes that never outlive their parent.

A parent killed with SIGKILL runs no cleanup, so its children (enrichment workers,
heavy HTTP jobs), each holding models or a large result, would run on forever.
On Linux the kernel can send the child a signal when its parent dies; elsewhere
the parent's own shutdown is all there is.
"""

from __future__ import annotations

import os
import signal
import sys

__all__ = ["die_with_parent"]


def die_with_parent(parent_pid: int) -> None:
    """Call first thing in a child: the kernel kills it (SIGKILL) when ``parent_pid`` dies."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl: rely on the parent's shutdown
        return
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)

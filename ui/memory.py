"""How a server holds on to memory it has freed: glibc's malloc, tuned where the pages' work calls for it.

Measured after every page, both trainings and one download of each kind (docs/performance.md): a
server's peak was 681 MiB with glibc's defaults and ~650 with fewer arenas. A C library without these
calls (macOS, musl) is left as it is.
"""

from __future__ import annotations

import ctypes
from functools import cache

M_ARENA_MAX = -8  # glibc's malloc.h


@cache  # loaded once: every training and chart file calls it
def _glibc():
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def fewer_malloc_arenas(count: int = 2) -> None:
    """At most `count` malloc arenas. Streamlit runs each session's script in a thread of its own, and glibc
    gives threads arenas of their own (up to 8 per core) that keep what was freed in them. Call it before
    any session's thread exists (serve.py)."""
    if (libc := _glibc()) is not None:
        libc.mallopt(M_ARENA_MAX, count)


def return_freed_memory() -> None:
    """Hand what a long computation freed (a training's activations and gradients, a chart converted to a
    file) back to the system, where glibc would keep it for this process."""
    if (libc := _glibc()) is not None:
        libc.malloc_trim(0)

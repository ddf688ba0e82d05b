"""Start-up work with Python's cyclic garbage collector paused.

Imports, a cache load and the reader's first screen each build hundreds of thousands of objects
that live as long as the process; every few hundred of them the collector would walk all the
others (bench figures in docs/PERFORMANCE.md). None of them need it: modules, articles and
indexes hold no garbage cycles, and plain reference counting frees what they drop.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused(*, freeze: bool = False) -> Iterator[None]:
    """The collector off for the block, back as it was after. `freeze`: what the block made
    is moved out of every later pass (`gc.freeze`), for objects that live as long as the
    process; `cli.main` unfreezes on the way out, for in-process callers."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
        if freeze:
            gc.freeze()
    finally:
        if was:
            gc.enable()

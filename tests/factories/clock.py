"""The app's clock in tests: stopped at a moment the test chooses, and moved by it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from dinhdanh.platform import clock
from dinhdanh.platform.clock import FrozenClock, SystemClock


@contextmanager
def stopped_at(moment: dt.datetime) -> Iterator[FrozenClock]:
    """The process clock stopped at `moment` (the test moves it); the real one after."""
    stopped = FrozenClock(moment)
    clock.set_clock(stopped)
    try:
        yield stopped
    finally:
        clock.set_clock(SystemClock())

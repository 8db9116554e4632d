"""A clock the tests move by hand, for the service (its ``clock``) and decision snapshots."""

from __future__ import annotations

import datetime as dt

from tests.strategies import EPOCH


class ManualClock:
    """Returns :attr:`now` until a test moves it; starts at :data:`tests.strategies.EPOCH`."""

    def __init__(self, now: dt.datetime = EPOCH) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **length: float) -> dt.datetime:
        """Move the clock forward by ``dt.timedelta(**length)``; return the new time."""
        self.now += dt.timedelta(**length)
        return self.now

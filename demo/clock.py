"""The demo clock: lets the loader walk each complaint through the real actions at plausible past
times, so that timelines, tracking numbers and deadlines look like weeks of real work.

Guarantees: while `simulated_time` is active, `django.utils.timezone.now()` returns the active
`DemoClock`'s time; the real function is restored on exit, whatever happens. A `DemoClock` never
goes backwards and never reaches its `limit` (the real time the load started, less a margin)."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone


class DemoClock:
    def __init__(self, start: dt.datetime, limit: dt.datetime) -> None:
        if start >= limit:
            raise ValueError("a demo clock must start before its limit")
        self.now = start
        self.limit = limit

    def advance(self, hours: float) -> dt.datetime:
        """Move forward by `hours`; near the limit, by a quarter of what is left instead."""
        target = self.now + dt.timedelta(hours=max(hours, 0.0))
        if target >= self.limit:
            target = self.now + (self.limit - self.now) / 4
        self.now = target
        return self.now


class _Holder:
    clock: DemoClock | None = None


_holder = _Holder()


def use(clock: DemoClock) -> None:
    """Make `clock` the one `timezone.now()` reads inside `simulated_time`."""
    _holder.clock = clock


@contextmanager
def simulated_time() -> Iterator[None]:
    real_now = timezone.now

    def demo_now() -> dt.datetime:
        return _holder.clock.now if _holder.clock is not None else real_now()

    timezone.now = demo_now  # type: ignore[assignment]
    try:
        yield
    finally:
        timezone.now = real_now  # type: ignore[assignment]
        _holder.clock = None

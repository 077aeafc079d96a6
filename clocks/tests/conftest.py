from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _fresh_closures() -> Iterator[None]:
    """Closure days are cached per process; rolled-back rows fire no signal to clear it."""
    from clocks import calendar

    calendar.clear_closures()
    yield
    calendar.clear_closures()

"""How long a sender waits before trying a server again (docs/wire-format.md)."""
from __future__ import annotations

import random
from typing import Callable

BACKOFF_FIRST_S = 0.25
BACKOFF_MAX_S = 30.0


def backoff_delay(attempt: int, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry number ``attempt`` (0 for the first): 0.25 s doubling to
    30 s, each drawn between half and all of that. The jitter spreads out the clients that
    one server restart cut off together.

    Example::

        time.sleep(backoff_delay(failures))
    """
    ceiling = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** min(attempt, 20))
    return ceiling / 2 + rand() * ceiling / 2

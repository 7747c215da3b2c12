"""Random draws for the generator's hot loop, without the Python-level overhead of
`random.choices` and `random.expovariate`: a weighted index is `bisect_right(cumulative(weights),
random())`, an exponential wait is `waits(random)(mean)`."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence


def cumulative(weights: Sequence[float]) -> list[float]:
    """Cumulative weights for `bisect_right(cumulative, random())`: an index drawn by weight."""
    total = sum(weights)
    result = [x / total for x in itertools.accumulate(weights)]
    result[-1] = 1.0  # random() < 1.0, so the last index is the largest bisect can return
    return result


def waits(rnd: Callable[[], float]) -> Callable[[float], int]:
    """Exponential waits of a given mean, in whole seconds, drawn from `rnd`."""
    log = math.log

    def wait(mean: float) -> int:
        """An exponential wait (random.expovariate without its Python-level overhead)."""
        return int(-log(1.0 - rnd()) * mean)

    return wait

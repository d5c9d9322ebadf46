"""Rate limits as token buckets, one per key (a person, a token, an address), kept in this
process's memory. With several server processes each keeps its own buckets, so a limit
holds per process."""

import time
from collections import OrderedDict
from collections.abc import Hashable


class Buckets:
    """`capacity` units per `per_seconds`, refilled continuously; a burst may use them all."""

    def __init__(self, capacity: float, per_seconds: float, *, max_keys: int = 100_000) -> None:
        self.capacity = capacity
        self.rate = capacity / per_seconds
        self.max_keys = max_keys  # the least recently used keys are forgotten past this
        self._levels: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()

    def _level(self, key: Hashable, now: float) -> float:
        tokens, stamp = self._levels.get(key, (self.capacity, now))
        return min(self.capacity, tokens + (now - stamp) * self.rate)

    def take(self, key: Hashable, amount: float = 1.0) -> float:
        """Takes `amount` if the bucket holds it and returns 0; otherwise takes nothing and
        returns the seconds until it would. An amount above the capacity is never
        granted: it waits as long as a full bucket takes to fill."""
        now = time.monotonic()
        level = self._level(key, now)
        if amount > level:
            return (min(amount, self.capacity) - level) / self.rate or 1 / self.rate
        self._levels[key] = (level - amount, now)
        self._levels.move_to_end(key)
        while len(self._levels) > self.max_keys:
            self._levels.popitem(last=False)
        return 0.0

    def peek(self, key: Hashable, amount: float = 1.0) -> float:
        """Like `take` without taking: 0 if `amount` is there now, else the wait."""
        level = self._level(key, time.monotonic())
        if amount > level:
            return (min(amount, self.capacity) - level) / self.rate or 1 / self.rate
        return 0.0

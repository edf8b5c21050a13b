"""Which progressive-override labels are active for one request.

A label the operator lists is always active; ``percent(x)`` labels are drawn per request
(active with probability x %); any other label is inactive unless a custom hook says so.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping

LabelHook = Callable[[frozenset[str], Mapping[str, str]], frozenset[str]]
"""(labels the supergraph uses, request headers) → labels active for this request."""

_PERCENT = re.compile(r"^percent\((\d+(?:\.\d+)?)\)$")
NO_LABELS: frozenset[str] = frozenset()


class LabelPolicy:
    def __init__(
        self,
        known: frozenset[str],
        always: frozenset[str] = NO_LABELS,
        hook: LabelHook | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.known = known
        self._fixed = frozenset(label for label in known if label in always)
        self._percent: list[tuple[str, float]] = []
        for label in known:
            match = _PERCENT.match(label)
            if match and label not in always:
                self._percent.append((label, float(match.group(1))))
        self._hook = hook
        self._rng = rng

    def active(self, headers: Mapping[str, str]) -> frozenset[str]:
        if not self.known:
            return NO_LABELS
        if self._hook is not None:
            return self._hook(self.known, headers)
        if not self._percent:
            return self._fixed
        drawn = {label for label, pct in self._percent if self._rng() * 100 < pct}
        return self._fixed | drawn if drawn else self._fixed

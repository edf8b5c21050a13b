"""The cyclic garbage collector, tuned for a server whose requests build large trees.

CPython starts a young-generation collection every 700 net allocations of container objects.
A gateway answering the heavy query builds tens of thousands of dicts and lists per request
(decoded subgraph answers, the merged result, the shaped response), all freed by reference
counting when the request ends: the collector finds almost nothing to free (measured: 36
unreachable objects after 2,300 heavy requests with it off), yet under 50 concurrent
requests it walked every live request tree over and over, and promoted them to the old
generation, whose full collections then walked the whole heap (the supergraph model and
caches included). Profiled that way, the collector was the largest single cost of serving
the heavy query (docs/performance.md). A larger young threshold lets most request objects
die before any collection sees them; cycles are still collected, just in larger batches.
"""

from __future__ import annotations

import gc

PYTHON_DEFAULT = 700


def set_young_threshold(threshold: int) -> None:
    """Collect the young generation every ``threshold`` net container allocations (0: keep
    Python's default); the older generations keep their ratios."""
    if threshold <= 0:
        return
    _, middle, old = gc.get_threshold()
    gc.set_threshold(threshold, middle, old)

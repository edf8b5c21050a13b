"""Chaos scenarios on the real engines: faults during bursts of upstream changes, each proven
by counts (produced = chained, no duplicate ids, chain intact). Shared by the integration tests
(``tests/integration/services/test_svc_chaos_engines.py``, small sizes) and ``python -m
bench.chaos`` (larger sizes); see ``bench.chaos.registry`` and docs/chaos.md."""

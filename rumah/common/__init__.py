"""Process-wide pieces every component shares: the settings base, log format, clock.

This package sits below every wing: it imports nothing of ``gateway``, ``services``,
``infra`` or the rest of ``rumah`` (``tests/unit/test_import_rules.py`` holds that).
"""

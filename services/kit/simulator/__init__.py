"""The shared upstream-simulator framework: every OPD simulator is a ``Workflow`` on it."""

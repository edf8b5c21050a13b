"""Dinas Kominfo's application and infrastructure registry (monev e-Government), wrapped."""

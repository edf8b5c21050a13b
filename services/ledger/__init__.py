"""The ledger: the auditors' append-only, hash-chained record of every status event."""

"""A simulator of the UKPBJ procurement application (RUP packages, tenders, contracts)."""

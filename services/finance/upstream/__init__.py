"""A simulator of e-Budgeting, the budget and treasury application of BPKD Serdang Bedagai."""

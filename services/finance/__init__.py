"""BPKD finance (keuangan daerah): the e-Budgeting and treasury application, wrapped."""

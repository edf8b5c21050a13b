"""A simulator of e-Planning, the RKPD application of Bappeda Serdang Bedagai."""

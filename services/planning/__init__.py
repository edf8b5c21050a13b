"""Bappeda planning (perencanaan): the e-Planning RKPD application, wrapped."""

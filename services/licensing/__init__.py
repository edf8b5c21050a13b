"""Dinas PMPTSP licensing (perizinan): the SiCantik permit application, wrapped."""

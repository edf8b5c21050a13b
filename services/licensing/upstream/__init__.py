"""A simulator of SiCantik, the permit application of Dinas PMPTSP Serdang Bedagai."""

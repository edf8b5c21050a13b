"""A simulator of SIMPEG, the personnel application of BKD Serdang Bedagai."""

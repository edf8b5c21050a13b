"""A simulator of Kominfo's registry of OPD applications, their readiness and uptime probes."""

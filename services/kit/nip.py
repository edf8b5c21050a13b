"""NIP, the 18-digit ID of an ASN.

Birth date (8 digits) + TMT CPNS year-month (6) + sex (1) + serial (3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class NipParts:
    birth: date
    tmt_year: int
    tmt_month: int
    sex: int  # 1 male, 2 female
    serial: int


def make_nip(parts: NipParts) -> str:
    return (
        f"{parts.birth:%Y%m%d}{parts.tmt_year:04d}{parts.tmt_month:02d}"
        f"{parts.sex}{parts.serial:03d}"
    )


def parse_nip(nip: str) -> NipParts:
    """Decode a NIP; ``ValueError`` when it is not 18 digits with a valid date and sex."""
    if len(nip) != 18 or not nip.isdigit():
        raise ValueError(f"NIP must be 18 digits: {nip!r}")
    birth = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    month = int(nip[12:14])
    if not 1 <= month <= 12 or nip[14] not in "12":
        raise ValueError(f"NIP has an invalid TMT month or sex digit: {nip!r}")
    return NipParts(birth, int(nip[8:12]), month, int(nip[14]), int(nip[15:18]))

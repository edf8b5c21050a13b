"""How the regency's upstream applications write values (the inverse of kit.converters)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal


def ddmmyyyy(d: date) -> str:
    return d.strftime("%d-%m-%Y")


def ddmmyyyy_time(ts: datetime, *, millis: bool = True) -> str:
    """Local (WIB) wall-clock time as upstream apps print it: ``17-08-2024 09:30:00.123``."""
    out = ts.strftime("%d-%m-%Y %H:%M:%S")
    return f"{out}.{ts.microsecond // 1000:03d}" if millis else out


def rupiah(amount: Decimal | int) -> str:
    """``1250000000`` → ``'1.250.000.000,00'``."""
    whole, _, cents = f"{Decimal(amount):.2f}".partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-')):,}".replace(",", ".") + "," + cents

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.kit import converters as c
from services.kit.nip import NipParts, make_nip, parse_nip
from services.kit.simulator import formats


def test_dates_are_read_day_first() -> None:
    assert c.ddmmyyyy("05-03-2024") == date(2024, 3, 5)
    with pytest.raises(ValueError, match="dd-mm-yyyy"):
        c.ddmmyyyy("2024-03-05")


def test_local_timestamps_become_utc() -> None:
    assert c.ddmmyyyy_time("05-03-2024 10:00:00.250") == datetime(
        2024, 3, 5, 3, 0, 0, 250000, tzinfo=UTC
    )
    assert c.ddmmyyyy_time("05-03-2024 10:00:00") == datetime(2024, 3, 5, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("1.250.000.000,00", Decimal("1250000000.00")),
        ("750,5", Decimal("750.50")),
        ("Rp 12.000", Decimal("12000.00")),
        ("0", Decimal("0.00")),
    ],
)
def test_rupiah_amounts_parse(raw: str, amount: Decimal) -> None:
    assert c.rupiah(raw) == amount


@pytest.mark.parametrize("raw", ["1,250,000.00", "12.00.000", "satu juta", "", "1.2345"])
def test_malformed_rupiah_amounts_are_rejected(raw: str) -> None:
    with pytest.raises(ValueError):
        c.rupiah(raw)


def test_rupiah_round_trips_through_the_upstream_format() -> None:
    for value in (Decimal("1250000000"), Decimal("999.99"), Decimal("0")):
        assert c.rupiah(formats.rupiah(value)) == value


def test_code_tables_reject_unknown_codes() -> None:
    status = c.code_table({10: "submitted"}, name="kd_status")
    assert status(10) == status("10") == "submitted"
    with pytest.raises(ValueError, match="unknown kd_status code 99"):
        status(99)


def test_nip_encodes_birth_tmt_sex_and_serial() -> None:
    nip = make_nip(NipParts(date(1985, 3, 12), 2010, 1, 2, 3))
    assert nip == "198503122010012003"
    assert parse_nip(nip) == NipParts(date(1985, 3, 12), 2010, 1, 2, 3)
    with pytest.raises(ValueError):
        parse_nip("198513122010012003")  # month 13

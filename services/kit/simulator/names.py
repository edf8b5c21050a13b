"""Plausible names of ASN in Serdang Bedagai, for the simulators' generated records."""

from __future__ import annotations

import random

_FIRST_M = (
    "Ahmad",
    "Bambang",
    "Rudi",
    "Hendra",
    "Syahrial",
    "Doni",
    "Fauzi",
    "Irwan",
    "Junaidi",
    "Muhammad",
    "Rahmat",
    "Sutrisno",
    "Tigor",
    "Zulkifli",
    "Agus",
    "Joko",
)
_FIRST_F = (
    "Sri",
    "Nurhayati",
    "Rina",
    "Dewi",
    "Fitri",
    "Lestari",
    "Yusnani",
    "Ratna",
    "Siti",
    "Wahyuni",
    "Erna",
    "Juliana",
    "Marlina",
    "Rosmawati",
    "Indah",
    "Tiurma",
)
_LAST = (
    "Siregar",
    "Nasution",
    "Lubis",
    "Harahap",
    "Sinaga",
    "Simanjuntak",
    "Tarigan",
    "Ginting",
    "Saragih",
    "Damanik",
    "Purba",
    "Hasibuan",
    "Pohan",
    "Sembiring",
    "Hidayat",
    "Santoso",
    "Wibowo",
    "Rangkuti",
    "Batubara",
    "Daulay",
)
_TITLES = ("", "", "S.Sos.", "S.H.", "S.E.", "S.Kom.", "S.T.", "M.Si.", "S.AP.", "S.Pd.")


def person_name(rng: random.Random, sex: int) -> str:
    """A plausible name of an ASN in Serdang Bedagai (sex: 1 male, 2 female)."""
    first = rng.choice(_FIRST_M if sex == 1 else _FIRST_F)
    name = f"{first} {rng.choice(_LAST)}"
    title = rng.choice(_TITLES)
    return f"{name}, {title}" if title else name

"""What a package or contract change means.

A package emits ``package.stage_changed`` on every stage move (``from`` null when first
seen); the stages only move forward, a package may fail at any open stage, and a package at
CONTRACT or FAILED is closed — a record that breaks this is refused and quarantined. A new
contract emits ``contract.signed``; a later change of its value or end date (an addendum)
``contract.amended``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from services.kit.ports import Document
from services.kit.spec import Event, Reaction
from services.procurement.model import CLOSED, STAGE_ORDER, ProcurementStage

PACKAGE, CONTRACT = "package", "contract"


def check_move(before: ProcurementStage, after: ProcurementStage) -> None:
    """``ValueError`` unless a package may move from ``before`` to ``after``."""
    if before in CLOSED:
        raise ValueError(f"package is closed at {before}; it cannot move to {after}")
    if after is not ProcurementStage.FAILED and STAGE_ORDER.index(after) < STAGE_ORDER.index(
        before
    ):
        raise ValueError(f"procurement stage cannot move back from {before} to {after}")


def react_package(old: Document | None, new: Document, now: datetime) -> Reaction:
    before = old["stage"] if old else None
    if before == new["stage"]:
        return Reaction(new)
    if before is not None:
        check_move(ProcurementStage(before), ProcurementStage(new["stage"]))
    data = {
        "packageId": new["_id"],
        "name": new["name"],
        "activityCode": new["activity_code"],
        "opd": new["opd"],
        "method": new["method"],
        "ceiling": new["ceiling"],
        "commitmentOfficerPositionId": new["commitment_officer_position_id"],
        "from": before,
        "to": new["stage"],
        "upstreamChangedAt": new.get("source_updated_at"),
    }
    return Reaction(new, [Event("package.stage_changed", new["_id"], data)])


def react_contract(old: Document | None, new: Document, now: datetime) -> Reaction:
    number = new["_id"]
    if old is None:
        data = {
            "contractNumber": number,
            "packageId": new["package_id"],
            "vendor": new["vendor"],
            "vendorTaxId": new["vendor_tax_id"],
            "value": new["value"],
            "signedOn": new["signed_on"],
            "startsOn": new["starts_on"],
            "endsOn": new["ends_on"],
            "upstreamChangedAt": new.get("source_updated_at"),
        }
        return Reaction(new, [Event("contract.signed", number, data)])
    if Decimal(old["value"]) == Decimal(new["value"]) and old["ends_on"] == new["ends_on"]:
        return Reaction(new)
    data = {
        "contractNumber": number,
        "packageId": new["package_id"],
        "valueFrom": old["value"],
        "valueTo": new["value"],
        "endsOnFrom": old["ends_on"],
        "endsOnTo": new["ends_on"],
        "upstreamChangedAt": new.get("source_updated_at"),
    }
    return Reaction(new, [Event("contract.amended", number, data)])

"""A lease in the document store: one holder at a time of a named role, with fencing epochs.

Works on every store of the port, FerretDB included, because it relies only on what is
atomic there: **inserting a document whose ``_id`` is new** (a duplicate ``_id`` is
refused). Each tenure is an *epoch* document ``_id = "<name>:<epoch>"`` (epoch 1, 2, 3 …):

* **take**: read the newest epoch; if it is released, or its ``expires_at`` (wall clock) is
  more than ``margin_s`` in the past, insert epoch + 1. Of several takers exactly one insert
  succeeds; the others see a duplicate ``_id`` and stay standbys.
* **hold**: the holder renews its own epoch document (only it writes it) every ``ttl_s / 3``
  and believes in its lease only until ``sent + ttl_s - margin_s`` of the last renewal that
  was answered within ``margin_s`` (``sent`` = when the renewal left, monotonic clock). A
  renewal that finds epoch + 1 means someone took over: the lease is lost at once.
* **why no overlap**: a taker waits until ``expires_at + margin_s``; the holder stopped
  believing at ``expires_at - margin_s`` at the latest, so between the two lie ``2 *
  margin_s`` for clock skew between hosts and for the holder's last in-flight write to land.

The epoch is a fencing token: what a holder writes can carry it, so a reader can tell which
tenure wrote what. Work guarded by a lease checks ``valid()`` before each step (a batch) and
stops when ``keep()`` raises ``LeaseLost``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from rumah.common.settings import RumahSettings
from services.kit.ports import ANY_VERSION, Collection, Document, PortError

log = logging.getLogger("rumah.lease")
COLLECTION = "leases"


class LeaseSettings(RumahSettings):
    """``RUMAH_LEASE_…``: the timing of every lease (ledger standby, service replicas)."""

    model_config = SettingsConfigDict(
        **{**RumahSettings.model_config, "env_prefix": "RUMAH_LEASE_"}
    )

    # seconds a lease lasts without renewal (a dead holder's role is taken after ttl + margin)
    ttl_s: float = Field(10.0, gt=0)
    # seconds of safety on both sides of expiry (clock skew between hosts, in-flight writes)
    margin_s: float = Field(2.0, ge=0)
    # seconds between a standby's attempts to take the lease
    poll_s: float = Field(1.0, gt=0)


class LeaseLost(PortError):
    """The lease ended (not renewed in time, or taken over): stop the guarded work."""


def holder_id() -> str:
    """A holder name no other process (here or on another host) uses."""
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class Tenure:
    epoch: int
    holder: str
    expires_at: float
    released: bool


class Lease:
    def __init__(
        self,
        coll: Collection,
        name: str,
        settings: LeaseSettings,
        *,
        holder: str | None = None,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if settings.ttl_s <= 2 * settings.margin_s:
            raise ValueError("lease ttl_s must exceed twice margin_s")
        self._coll, self.name, self.settings = coll, name, settings
        self.holder = holder or holder_id()
        self._wall, self._mono = wall, monotonic
        self.epoch: int | None = None
        self._believe_until = 0.0  # monotonic

    def _id(self, epoch: int) -> str:
        return f"{self.name}:{epoch:012d}"

    def valid(self) -> bool:
        """Whether this process may act as the holder now."""
        return self.epoch is not None and self._mono() < self._believe_until

    def remaining_s(self) -> float:
        return max(0.0, self._believe_until - self._mono()) if self.epoch is not None else 0.0

    async def current(self) -> Tenure | None:
        """The newest tenure of this lease (None: never taken)."""
        page = await self._coll.find({"name": self.name}, sort=[("epoch", -1)], limit=1)
        if not page.items:
            return None
        d = page.items[0]
        return Tenure(
            int(d["epoch"]), str(d["holder"]), float(d["expires_at"]), bool(d.get("released"))
        )

    async def try_take(self) -> bool:
        """Take the lease if it is free (never taken, released, or expired past the margin)."""
        if self.valid():
            return True
        now, tenure = self._wall(), await self.current()
        if tenure is not None and not tenure.released:
            if now < tenure.expires_at + self.settings.margin_s:
                return False
        epoch = 1 if tenure is None else tenure.epoch + 1
        sent = self._mono()
        doc = self._doc(epoch, now)
        outcome = await self._coll.insert_new([doc], ordered=True)
        if outcome.existing or outcome.count != 1:
            return False  # another standby won this epoch
        self.epoch, self._believe_until = epoch, sent + self.settings.ttl_s - self.settings.margin_s
        log.info("lease.taken", extra={"lease": self.name, "epoch": epoch, "holder": self.holder})
        await self._prune(epoch)
        return True

    async def take(self) -> int:
        """Wait (as a standby) until the lease is ours; return its epoch."""
        while True:
            try:
                if await self.try_take():
                    assert self.epoch is not None
                    return self.epoch
            except PortError as exc:  # the store is down: keep waiting
                log.warning("lease.take_failed", extra={"lease": self.name, "reason": repr(exc)})
            await asyncio.sleep(self.settings.poll_s)

    async def renew(self) -> None:
        """Extend the lease; ``LeaseLost`` once it cannot be believed any more."""
        if not self.valid():
            raise self._lost("expired")
        assert self.epoch is not None
        sent = self._mono()
        try:
            await self._coll.put(self._doc(self.epoch, self._wall()), expected_version=ANY_VERSION)
            taken = await self._coll.get(self._id(self.epoch + 1))
        except PortError as exc:  # not renewed; the lease still holds until its deadline
            log.warning("lease.renew_failed", extra={"lease": self.name, "reason": repr(exc)})
            if not self.valid():
                raise self._lost("expired") from exc
            return
        if taken is not None:
            raise self._lost("taken over")
        took = self._mono() - sent
        if took <= self.settings.margin_s:  # a slow answer may have landed late: not believed
            self._believe_until = sent + self.settings.ttl_s - self.settings.margin_s

    async def keep(self) -> None:
        """Renew until the lease is lost (then raise ``LeaseLost``); run beside the work."""
        while True:
            await asyncio.sleep(min(self.settings.ttl_s / 3, max(0.05, self.remaining_s() / 2)))
            await self.renew()

    async def release(self) -> None:
        """Give the lease up now (a clean stop): a standby takes over without waiting."""
        if self.epoch is None:
            return
        epoch, self.epoch = self.epoch, None
        doc = {**self._doc(epoch, self._wall()), "released": True}
        try:
            await self._coll.put(doc, expected_version=ANY_VERSION)
        except PortError as exc:  # it will expire instead
            log.warning("lease.release_failed", extra={"lease": self.name, "reason": repr(exc)})

    def _doc(self, epoch: int, now: float) -> Document:
        return {
            "_id": self._id(epoch),
            "name": self.name,
            "epoch": epoch,
            "holder": self.holder,
            "expires_at": now + self.settings.ttl_s,
        }

    def _lost(self, why: str) -> LeaseLost:
        log.warning("lease.lost", extra={"lease": self.name, "epoch": self.epoch, "why": why})
        self.epoch = None
        return LeaseLost(f"lease {self.name}: {why}")

    async def _prune(self, epoch: int) -> None:
        """Old tenures are history; keep the previous one (what a reader may still check)."""
        old = epoch - 2
        if old >= 1:
            try:
                await self._coll.delete(self._id(old))
            except PortError:
                pass  # pruned next time

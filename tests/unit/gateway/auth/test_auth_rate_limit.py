"""Per-principal token buckets: 429 with Retry-After, one principal's flood does not slow
another, failing credentials are limited per client address, subscribes spend tokens too."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.auth import AccessGate, Denial, Principal, StaticTokenAuthenticator
from gateway.auth.rate_limit import RateLimiter, retry_after

A = Principal("a", frozenset({"auditor"}))
B = Principal("b", frozenset({"auditor"}))
AUTH = StaticTokenAuthenticator({"ta": A, "tb": B})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_refills_at_its_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(2.0, 3, clock=clock)
    assert [limiter.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("k") == pytest.approx(0.5)  # one token every half second
    clock.now += 0.5
    assert limiter.take("k") == 0.0
    assert limiter.take("other") == 0.0  # keys are independent
    assert RateLimiter(0, 1).take("k") == 0.0  # 0 = no limit
    assert retry_after(0.2) == "1" and retry_after(2.1) == "3"


def test_old_buckets_are_forgotten_within_the_bound() -> None:
    limiter = RateLimiter(1.0, 1, max_keys=2, clock=Clock())
    for key in ("a", "b", "c"):
        limiter.take(key)
    assert len(limiter._buckets) == 2


async def test_the_gate_answers_429_with_retry_after_per_principal() -> None:
    clock = Clock()
    gate = AccessGate(AUTH, limiter=RateLimiter(1.0, 2, clock=clock))
    assert await gate.check(("Bearer ta",)) == A
    assert await gate.check(("Bearer ta",)) == A
    limited = await gate.check(("Bearer ta",))
    assert isinstance(limited, Denial) and limited.status == 429
    assert (b"retry-after", b"1") in limited.headers
    assert b'"RATE_LIMITED"' in limited.body
    assert await gate.check(("Bearer tb",)) == B  # another principal is not slowed


async def test_failing_credentials_are_limited_per_client_address() -> None:
    clock = Clock()
    gate = AccessGate(AUTH, failures=RateLimiter(0.1, 3, clock=clock))
    for _ in range(3):
        denial = await gate.check(("Bearer wrong",), "10.0.0.7")
        assert isinstance(denial, Denial) and denial.status == 401
    blocked = await gate.check(("Bearer ta",), "10.0.0.7")  # even a good token waits now
    assert isinstance(blocked, Denial) and blocked.status == 429
    assert dict(blocked.headers)[b"retry-after"] == b"10"
    assert await gate.check(("Bearer ta",), "10.0.0.8") == A  # another address is fine
    clock.now += 10
    assert await gate.check(("Bearer ta",), "10.0.0.7") == A


async def test_subscribes_spend_the_principals_tokens() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "subscriptions"))
    from subs_support import connected, finished, gateway, subscribe

    gw = gateway(authenticator=AUTH)
    object.__setattr__(gw.runtime, "limiter", RateLimiter(0.001, 1))
    socket, task = await connected(gw, {"Authorization": "Bearer ta"})
    subscribe(socket, "1", "{ __typename }")
    first: Any = await socket.frame()
    assert first["type"] == "next"
    await socket.frame()  # complete
    subscribe(socket, "2", "{ __typename }")
    second = await socket.frame()
    assert second["type"] == "error"
    assert second["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
    socket.disconnect()
    await finished(task)


def test_the_limiter_decides_like_a_plain_token_bucket() -> None:
    """The one-number-per-key algorithm answers exactly as the textbook bucket would (a
    bucket of ``burst`` tokens refilled at ``rate``) over a random stream of requests."""
    import random

    rng = random.Random(7)
    for rate, burst in ((2.0, 3), (0.5, 1), (10.0, 25), (3.0, 7)):
        clock = Clock()
        limiter = RateLimiter(rate, burst, clock=clock)
        tokens, at = float(burst), clock.now
        for _ in range(2_000):
            clock.now += rng.choice((0.0, 0.0, 0.01, 0.1, 0.37, 1.0, 5.0))
            tokens, at = min(float(burst), tokens + (clock.now - at) * rate), clock.now
            expected = 0.0 if tokens >= 1.0 - 1e-9 else (1.0 - tokens) / rate
            if expected == 0.0:
                tokens -= 1.0
            got = limiter.take("k")
            assert got == pytest.approx(expected, abs=1e-6), (rate, burst, clock.now)
            assert limiter.wait("k") == pytest.approx(
                0.0 if tokens >= 1.0 - 1e-9 else (1.0 - tokens) / rate, abs=1e-6
            )


async def test_the_gates_fast_path_decides_as_the_general_one() -> None:
    """``admit`` (no waiting, every request) grants only what ``check`` would grant, spends
    the same rate token, and leaves every refusal and unusual spelling to ``check``."""
    clock = Clock()
    gate = AccessGate(
        AUTH,
        limiter=RateLimiter(1.0, 2, clock=clock),
        failures=RateLimiter(0.1, 1, clock=clock),
    )
    for unusual in (
        ("bearer ta",),  # scheme in another case: valid, but for check to read
        ("Bearer  ta",),
        ("Bearer ta ",),
        ("Bearer ta", "Bearer ta"),  # two headers: check refuses them
        ("Basic ta",),
        ("Bearer wrong",),
        ("Bearer ",),
        (),
    ):
        assert gate.admit(unusual, "10.0.0.1") is None, unusual
    assert await gate.check(("bearer ta",), "10.0.0.1") == A  # the general path reads it
    assert gate.admit(("Bearer ta",), "10.0.0.1") == A  # the second token of the burst
    assert gate.admit(("Bearer ta",), "10.0.0.1") is None  # out of tokens: check says why
    limited = await gate.check(("Bearer ta",), "10.0.0.1")
    assert isinstance(limited, Denial) and limited.status == 429
    # a client held back for failed credentials is not let through by the fast path
    assert isinstance(await gate.check(("Bearer wrong",), "10.0.0.9"), Denial)
    assert gate.admit(("Bearer tb",), "10.0.0.9") is None
    blocked = await gate.check(("Bearer tb",), "10.0.0.9")
    assert isinstance(blocked, Denial) and blocked.status == 429
    assert gate.admit(("Bearer tb",), "10.0.0.8") == B

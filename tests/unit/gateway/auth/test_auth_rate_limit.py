"""Per-principal token buckets: 429 with Retry-After, one principal's flood does not slow
another, failing credentials are limited per client address, subscribes spend tokens too."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

import pytest

from gateway.auth import AccessGate, Denial, Principal, StaticTokenAuthenticator
from gateway.auth.authenticator import Verified
from gateway.auth.jwt import InvalidToken
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


def test_principals_of_different_issuers_never_share_a_bucket() -> None:
    """The bucket key joins issuer and subject in one string: no split of the same
    characters into another issuer and subject makes the same key."""
    one = Principal("b:c", issuer="a")
    other = Principal("c", issuer="a:b")
    assert one.key != other.key
    limiter = RateLimiter(1.0, 1, clock=Clock())
    assert limiter.take(one.key) == 0.0
    assert limiter.take(other.key) == 0.0  # its own bucket, still full
    assert limiter.take(one.key) > 0.0


def test_old_buckets_are_forgotten_within_the_bound() -> None:
    limiter = RateLimiter(1.0, 1, max_keys=2, clock=Clock())
    for key in ("a", "b", "c"):
        limiter.take(key)
    assert len(limiter._buckets) == 2


def test_a_key_that_went_quiet_is_no_longer_held() -> None:
    """``holding`` (what the gate's fast path asks without a call) lists the keys with a
    bucket; a bucket found full again by ``wait`` is forgotten, which changes no answer."""
    clock = Clock()
    limiter = RateLimiter(1.0, 2, clock=clock)
    limiter.take("10.0.0.7")
    limiter.take("10.0.0.7")
    assert "10.0.0.7" in limiter.holding and "10.0.0.8" not in limiter.holding
    assert limiter.wait("10.0.0.7") == pytest.approx(1.0)  # empty: one token in a second
    clock.now += 1.0
    assert limiter.wait("10.0.0.7") == 0.0 and "10.0.0.7" in limiter.holding  # not full yet
    clock.now += 1.0
    assert limiter.wait("10.0.0.7") == 0.0
    assert "10.0.0.7" not in limiter.holding  # full again: forgotten
    # forgetting it changed nothing: the whole burst is there
    assert [limiter.take("10.0.0.7") for _ in range(3)] == [0.0, 0.0, pytest.approx(1.0)]


async def test_the_gate_answers_429_with_retry_after_per_principal() -> None:
    clock = Clock()
    gate = AccessGate(AUTH, limiter=RateLimiter(1.0, 2, clock=clock))
    assert await gate.check((b"Bearer ta",)) == A
    assert await gate.check((b"Bearer ta",)) == A
    limited = await gate.check((b"Bearer ta",))
    assert isinstance(limited, Denial) and limited.status == 429
    assert (b"retry-after", b"1") in limited.headers
    assert b'"RATE_LIMITED"' in limited.body
    assert await gate.check((b"Bearer tb",)) == B  # another principal is not slowed


async def test_failing_credentials_are_limited_per_client_address() -> None:
    clock = Clock()
    gate = AccessGate(AUTH, failures=RateLimiter(0.1, 3, clock=clock))
    for _ in range(3):
        denial = await gate.check((b"Bearer wrong",), "10.0.0.7")
        assert isinstance(denial, Denial) and denial.status == 401
    blocked = await gate.check((b"Bearer ta",), "10.0.0.7")  # even a good token waits now
    assert isinstance(blocked, Denial) and blocked.status == 429
    assert dict(blocked.headers)[b"retry-after"] == b"10"
    assert await gate.check((b"Bearer ta",), "10.0.0.8") == A  # another address is fine
    clock.now += 10
    assert await gate.check((b"Bearer ta",), "10.0.0.7") == A


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
    the same rate token, and leaves every refusal and every value it has not seen ``check``
    accept to ``check``."""
    clock = Clock()
    gate = AccessGate(
        AUTH,
        limiter=RateLimiter(1.0, 3, clock=clock),
        failures=RateLimiter(0.1, 1, clock=clock),
    )
    for unusual in (
        (b"bearer ta",),  # valid, but not seen yet: for check to read
        (b"Bearer  ta",),
        (b"Bearer ta ",),
        (b"Bearer ta", b"Bearer ta"),  # two headers: check refuses them
        (b"Basic ta",),
        (b"Bearer wrong",),
        (b"Bearer ",),
        (),
    ):
        assert gate.admit(unusual, "10.0.0.1") is None, unusual
    assert await gate.check((b"bearer ta",), "10.0.0.1") == A  # the general path reads it
    # only the spelling ``Bearer <token>`` is remembered: other spellings of a token cannot
    # fill the gate's memory by the thousand
    assert gate.admit((b"bearer ta",), "10.0.0.1") is None
    assert gate.admit((b"Bearer ta",), "10.0.0.1") is None  # another value: not seen yet
    assert await gate.check((b"Bearer ta",), "10.0.0.1") == A
    assert gate.admit((b"Bearer ta",), "10.0.0.1") == A  # that value, remembered
    assert gate.admit((b"Bearer ta",), "10.0.0.1") is None  # out of tokens: check says why
    limited = await gate.check((b"Bearer ta",), "10.0.0.1")
    assert isinstance(limited, Denial) and limited.status == 429
    assert gate.admit((b"Bearer ta", b"Bearer ta"), "10.0.0.1") is None  # never one value
    # refused values are never remembered
    assert isinstance(await gate.check((b"Bearer wrong",), "10.0.0.9"), Denial)
    assert gate.admit((b"Bearer wrong",), "10.0.0.8") is None
    # a client held back for failed credentials is not let through by the fast path
    assert await gate.check((b"Bearer tb",), "10.0.0.8") == B
    assert gate.admit((b"Bearer tb",), "10.0.0.9") is None
    blocked = await gate.check((b"Bearer tb",), "10.0.0.9")
    assert isinstance(blocked, Denial) and blocked.status == 429
    assert gate.admit((b"Bearer tb",), "10.0.0.8") == B


class _Signed(Verified):
    signed: ClassVar[bool] = True  # as the OIDC provider's records: a JWT ends signed


class _Expiring:
    """A provider whose verified tokens expire on the test's clock and can be withdrawn
    (a JWT's life, without the cryptography): a ``KnowsTokens`` like the OIDC one."""

    decisive = False

    def __init__(self, clock: Clock, principals: dict[str, Principal]) -> None:
        self.clock, self.principals = clock, principals
        self.expires = {token: clock() + 60.0 for token in principals}
        self.records: dict[str, Verified] = {}
        self.withdrawn: set[str] = set()

    async def authenticate(self, token: str | None) -> Principal | None:
        if not token or token not in self.principals:
            return None
        if token in self.withdrawn:
            raise InvalidToken("unknown signing key")
        if self.clock() >= self.expires[token]:
            raise InvalidToken("token expired")
        record = self.records.get(token)
        if record is None or not record.valid():
            record = self.records[token] = _Signed(
                self.principals[token], self.expires[token], self.clock
            )
        return record.principal

    def verified(self, token: str) -> Verified | None:
        record = self.records.get(token)
        return record if record is not None and record.valid() else None

    def withdraw(self, token: str) -> None:
        self.withdrawn.add(token)
        self._forget(token)

    def reissue(self, token: str, lifetime: float) -> None:
        """Another token under the same name (a real one's ``exp`` never changes)."""
        self.expires[token] = self.clock() + lifetime
        self.withdrawn.discard(token)
        self._forget(token)

    def _forget(self, token: str) -> None:
        record = self.records.pop(token, None)
        if record is not None:
            record.withdraw()


# a tail longer than the one the gate keys signed values by: every token below then ends
# the same way, so values that share their last bytes but are different tokens (another
# principal's, an unknown one) and other spellings of one token meet in the gate's memory
SHARED_TAIL = "-" + "x" * 39


@pytest.mark.parametrize("tail", ["", SHARED_TAIL], ids=["short", "shared-tail"])
async def test_admit_then_check_decides_like_check_alone_on_random_traffic(tail: str) -> None:
    """Two gates over the same providers, one answering through ``admit`` (then ``check``
    when it declines), one through ``check`` only, see the same random stream: good, bad,
    oddly spelt and doubled headers from a few addresses, tokens expiring, withdrawn and
    re-issued, static and expiring (signed) providers together, rate limits hit. Every
    answer — the principal, or the status and challenge of the refusal — is the same; with
    ``tail``, every token ends alike, so the signed ones share what the gate keys them by."""
    import random

    from gateway.auth.setup import FirstOf

    rng = random.Random(11)
    clock = Clock()
    tokens = {
        f"j{i}{tail}": Principal(f"u{i}", frozenset({"integrator"}), opd="DPMPTSP")
        for i in range(4)
    }
    expiring = _Expiring(clock, tokens)
    static = StaticTokenAuthenticator({f"ta{tail}": A, f"tb{tail}": B})
    provider = FirstOf([static, expiring])  # static first, as configured

    def gate() -> AccessGate:
        return AccessGate(
            provider,
            limiter=RateLimiter(2.0, 4, clock=clock),
            failures=RateLimiter(0.5, 3, clock=clock),
        )

    fast, slow = gate(), gate()
    values = [
        *(f"Bearer {t}{tail}" for t in ("ta", "tb", "j0", "j1", "j2", "j3")),
        f"bearer ta{tail}",
        f"Bearer  j1{tail}",
        f"BEARER j2{tail} ",
        f"Bearer j3{tail} ",
        f"Bearer wrong{tail}",
        f"Bearer {tail}",
        f"Basic ta{tail}",
        "Bearer ",
        "",
    ]
    fast_answers = 0
    for step in range(3_000):
        event = rng.random()
        if event < 0.1:
            clock.now += rng.choice((0.05, 0.5, 2.0, 10.0))
        elif event < 0.12:
            expiring.reissue(rng.choice(sorted(tokens)), rng.choice((0.0, 1.0, 5.0, 60.0)))
        elif event < 0.13:
            expiring.withdraw(rng.choice(sorted(tokens)))
        headers = tuple(rng.choice(values).encode() for _ in range(rng.choice((0, 1, 1, 1, 1, 2))))
        client = rng.choice(("10.0.0.1", "10.0.0.2", "10.0.0.3", None))
        admitted = fast.admit(headers, client)
        fast_answers += admitted is not None
        got = admitted or await fast.check(headers, client)
        expected = await slow.check(headers, client)
        if isinstance(expected, Denial):
            assert isinstance(got, Denial), (step, headers, got)
            assert (got.status, got.challenge, got.retry_after) == (
                expected.status,
                expected.challenge,
                expected.retry_after,
            ), (step, headers)
        else:
            assert got == expected, (step, headers)
    assert fast_answers > 150  # the fast path did answer (most of) what it could


async def test_one_token_spelt_many_ways_cannot_push_others_out_of_the_gates_memory() -> None:
    """The general path accepts a token with blanks after it (``bearer_token`` strips them),
    so one valid token has endless spellings; remembering each would let its holder empty
    the gate's bounded memory of everybody's values (found by a review). Only the spelling
    ``Bearer <token>`` is remembered, and only when the request was admitted."""
    victim, attacker = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    auth = StaticTokenAuthenticator({victim: Principal("v"), attacker: Principal("x")})
    clock = Clock()
    gate = AccessGate(auth, limiter=RateLimiter(1.0, 2, clock=clock), max_passes=100)
    mine = f"Bearer {victim}".encode()
    assert isinstance(await gate.check((mine,)), Principal) and gate.admit((mine,))
    blanks = [b" ", b"\t", b"\xa0", b"\x85"]
    statuses = set()
    for i in range(1_000):
        spelling = b"".join(blanks[(i >> (2 * k)) & 3] for k in range(5)) + b"\xa0"
        verdict = await gate.check((f"Bearer {attacker}".encode() + spelling,))
        statuses.add(verdict.status if isinstance(verdict, Denial) else 200)
        clock.now += 1.0  # within the attacker's rate: every one admitted
    assert statuses == {200}
    assert gate.admit((mine,)) is not None  # still remembered


async def test_a_static_tokens_value_is_looked_up_whole_never_compared_by_its_tail() -> None:
    """An operator may configure a static token whose last bytes say what it is for (not
    secret): such a value must not be found by its tail and then compared byte by byte with
    whatever a client sends that ends the same way (a timing oracle on the token)."""
    token = secrets.token_urlsafe(12) + "-licensing-app-dpmptsp-production"
    gate = AccessGate(StaticTokenAuthenticator({token: Principal("app")}))
    compared: list[bytes] = []

    class Spy(bytes):
        def __eq__(self, other: object) -> bool:
            compared.append(bytes(other))  # type: ignore[arg-type]
            return bytes.__eq__(self, other)

        def __ne__(self, other: object) -> bool:
            compared.append(bytes(other))  # type: ignore[arg-type]
            return bytes.__ne__(self, other)

        __hash__ = bytes.__hash__

    value = f"Bearer {token}".encode()
    assert isinstance(await gate.check((Spy(value),)), Principal)
    compared.clear()
    guess = b"Bearer " + b"A" * 16 + b"-licensing-app-dpmptsp-production"
    assert gate.admit((guess,)) is None
    assert guess not in compared  # the guess met the real value nowhere
    assert gate.admit((value,)) is not None


def test_a_bucket_holds_at_least_one_token() -> None:
    """A new key spends its first token without a look at the window: a bucket of none
    would let every new key through once, so it is refused where it is made."""
    with pytest.raises(ValueError, match="burst of at least 1"):
        RateLimiter(5.0, 0)
    assert RateLimiter(0.0, 0).take("k") == 0.0  # a limiter switched off takes no burst

"""The write fence of the single-writer (FerretDB) store: a document whose last write got no
answer is not written again until that write landed or the engine has answered long enough
without it."""

from services.kit.store.mongo.fence import WriteFence


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_tokens_are_unique_per_write_and_per_writer() -> None:
    a, b = WriteFence("w1"), WriteFence("w2")
    tokens = {a.token(), a.token(), b.token(), b.token()}
    assert len(tokens) == 4


def test_a_document_is_free_once_its_late_write_is_seen_stored() -> None:
    fence = WriteFence("w", settle_s=15.0, clock=Clock())
    token = fence.token()
    fence.suspect("permit", "p1", token)
    assert fence.observe("permit", "p1", stored_token="w.0") is False  # not landed yet
    assert fence.observe("permit", "p1", stored_token=token) is True
    assert not fence.is_suspect("permit", "p1")


def test_a_write_that_never_lands_frees_the_document_only_after_the_engine_answered() -> None:
    """A write that never lands frees the document only after the engine answered long enough
    (the fence waits for the engine, not for a clock alone)."""
    clock = Clock()
    fence = WriteFence("w", settle_s=15.0, clock=clock)
    fence.suspect("permit", "p1", fence.token())
    clock.now += 600  # frozen engine: no answer meanwhile, so no time counted
    assert fence.observe("permit", "p1", stored_token=None) is False  # first answer: clock starts
    clock.now += 14.9
    assert fence.observe("permit", "p1", stored_token=None) is False
    clock.now += 0.2
    assert fence.observe("permit", "p1", stored_token=None) is True
    assert fence.suspects == 0


def test_other_documents_are_never_held() -> None:
    fence = WriteFence("w", clock=Clock())
    fence.suspect("permit", "p1", fence.token())
    assert fence.observe("permit", "p2", stored_token=None) is True
    assert fence.observe("sp2d", "p1", stored_token=None) is True
    assert fence.is_suspect("permit", "p1")

"""The Mongo store's outbox bookkeeping: an acknowledgement retried after the store failed to
persist it stays this writer's own (cheap checkpoint), never turns "foreign" (a $pullAll that
costs FerretDB a collection scan per document)."""

from services.kit.store.mongo.outbox import OutboxSequence


def test_a_retried_acknowledgement_is_still_recognised_as_own() -> None:
    seq = OutboxSequence()
    numbers = seq.assign(3)
    seq.written(numbers, ["a", "b", "c"])
    assert seq.acknowledge(["a", "b", "c"]) == []
    assert seq.checkpoint == 3
    # the store timed out persisting the checkpoint: the relay acknowledges the same again
    assert seq.acknowledge(["a", "b", "c"]) == []
    assert seq.checkpoint == 3


def test_ids_of_other_writers_are_foreign() -> None:
    seq = OutboxSequence()
    seq.written(seq.assign(1), ["mine"])
    assert seq.acknowledge(["mine", "theirs"]) == ["theirs"]

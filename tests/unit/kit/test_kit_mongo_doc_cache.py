"""The single-writer store's document cache never goes back in version: a read that left
before a write and answers after it must not bring back the older state (the in-process
version check would then let a write planned on that state through — two changes, one
version, the same event ids)."""

from services.kit.store.mongo.cache import DocCache


def _cache() -> DocCache:
    cache = DocCache()
    cache.enabled = True
    return cache


def test_a_late_answer_of_an_older_read_does_not_replace_a_newer_write() -> None:
    cache = _cache()
    cache.put("permit", {"_id": "p1", "_v": 2, "status": "verified"})  # written
    cache.put("permit", {"_id": "p1", "_v": 1, "status": "submitted"})  # read, answered late
    assert cache.get("permit", "p1") == {"_id": "p1", "_v": 2, "status": "verified"}


def test_nor_once_the_state_was_dropped_after_a_failed_write() -> None:
    cache = _cache()
    cache.put("permit", {"_id": "p1", "_v": 2, "status": "verified"})
    cache.drop("permit", "p1")
    cache.put("permit", {"_id": "p1", "_v": 1, "status": "submitted"})
    assert cache.get("permit", "p1") is None  # the next write reads the engine
    cache.put("permit", {"_id": "p1", "_v": 3, "status": "approved"})
    assert cache.get("permit", "p1") == {"_id": "p1", "_v": 3, "status": "approved"}


def test_a_deleted_document_starts_again_at_version_one() -> None:
    cache = _cache()
    cache.put("permit", {"_id": "p1", "_v": 5})
    cache.drop("permit", "p1", deleted=True)
    cache.put("permit", {"_id": "p1", "_v": 1})
    assert cache.get("permit", "p1") == {"_id": "p1", "_v": 1}

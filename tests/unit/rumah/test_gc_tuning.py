"""The gateway's processes collect young garbage less often: request trees die by reference
counting before the collector would walk them."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from gateway import serve
from rumah.common.gc_tuning import set_young_threshold
from rumah.common.settings import SettingsError


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)


def test_the_young_threshold_changes_and_the_older_ratios_stay(
    thresholds: tuple[int, int, int],
) -> None:
    set_young_threshold(50_000)
    assert gc.get_threshold() == (50_000, thresholds[1], thresholds[2])


def test_zero_keeps_what_the_process_has(thresholds: tuple[int, int, int]) -> None:
    set_young_threshold(0)
    assert gc.get_threshold() == thresholds


def test_a_serving_process_takes_the_threshold_from_its_settings(
    thresholds: tuple[int, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serve, "configure_logging", lambda level: None)
    monkeypatch.setenv("RUMAH_GATEWAY_GC_YOUNG_THRESHOLD", "12345")
    settings = serve.configure_process()
    assert settings.gc_young_threshold == 12345
    assert gc.get_threshold()[0] == 12345


def test_by_default_a_serving_process_collects_young_garbage_less_often(
    thresholds: tuple[int, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serve, "configure_logging", lambda level: None)
    monkeypatch.delenv("RUMAH_GATEWAY_GC_YOUNG_THRESHOLD", raising=False)
    serve.configure_process()
    assert gc.get_threshold()[0] == 50_000


def test_a_negative_threshold_is_refused_with_the_variable_named(
    thresholds: tuple[int, int, int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(serve, "configure_logging", lambda level: None)
    monkeypatch.setenv("RUMAH_GATEWAY_GC_YOUNG_THRESHOLD", "-1")
    with pytest.raises(SettingsError):
        serve.configure_process()
    assert "RUMAH_GATEWAY_GC_YOUNG_THRESHOLD" in capsys.readouterr().err
    assert gc.get_threshold() == thresholds

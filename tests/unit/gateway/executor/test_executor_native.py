"""RUMAH_GATEWAY_NATIVE: which executor runs, and a clear refusal when ``require`` cannot be met.

The compiled module is stood in for by a module object carrying (or not) the SHA-256 of today's
``kernel.py``, so these tests hold with or without a C compiler.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import ValidationError

from gateway import serve as serve_module
from gateway.app import create_app
from gateway.executor import native
from gateway.settings import GatewaySettings

load = native.load_kernel.__wrapped__  # uncached: each test sees its own stand-in
FAKE = "tests_fake_kernel_native"


def _stand_in(monkeypatch: pytest.MonkeyPatch, digest: str | None) -> ModuleType:
    module = ModuleType(FAKE)
    if digest is not None:
        module.SOURCE_SHA256 = digest  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, FAKE, module)
    monkeypatch.setattr(native, "COMPILED_NAME", FAKE)
    return module


def _missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(native, "COMPILED_NAME", "gateway.executor._no_such_kernel_native")


def test_auto_uses_a_compiled_kernel_built_from_todays_source(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = _stand_in(monkeypatch, native.source_digest())
    assert load("auto") is module
    assert load("require") is module


def test_off_never_loads_the_compiled_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    _stand_in(monkeypatch, native.source_digest())
    assert load("off") is None


def test_auto_falls_back_to_the_reference_and_says_why(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _missing(monkeypatch)
    with caplog.at_level(logging.INFO, logger="gateway.executor"):
        assert load("auto") is None
    [record] = [r for r in caplog.records if r.getMessage() == "gateway.native_kernel"]
    assert record.kernel == "reference" and record.reason == "not built"  # type: ignore[attr-defined]


def test_a_kernel_built_from_another_source_is_never_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _stand_in(monkeypatch, native.source_digest())
    edited = tmp_path / "kernel.py"
    edited.write_bytes(native.SOURCE.read_bytes() + b"\n# edited after the build\n")
    monkeypatch.setattr(native, "SOURCE", edited)
    assert load("auto") is None
    with pytest.raises(native.NativeKernelMissing, match="stale"):
        load("require")


def test_a_module_without_its_source_stamp_is_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    _stand_in(monkeypatch, None)
    assert load("auto") is None


def test_require_refuses_in_one_line_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    _missing(monkeypatch)
    with pytest.raises(native.NativeKernelMissing) as caught:
        load("require")
    message = str(caught.value)
    assert "\n" not in message
    assert "not built" in message and "make install" in message


def test_an_unknown_mode_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="auto, off or require"):
        load("fast")  # type: ignore[arg-type]
    monkeypatch.setenv("RUMAH_GATEWAY_NATIVE", "fast")
    native.load_kernel.cache_clear()
    with pytest.raises(ValueError, match="auto, off or require"):
        native.kernel_from_environment()


def test_the_setting_is_read_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUMAH_GATEWAY_NATIVE", raising=False)
    assert GatewaySettings(_env_file=None).native == "auto"  # type: ignore[call-arg]
    monkeypatch.setenv("RUMAH_GATEWAY_NATIVE", "off")
    assert GatewaySettings(_env_file=None).native == "off"  # type: ignore[call-arg]
    monkeypatch.setenv("RUMAH_GATEWAY_NATIVE", "fast")
    with pytest.raises(ValidationError):
        GatewaySettings(_env_file=None)  # type: ignore[call-arg]


def test_create_app_refuses_require_without_the_kernel(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _missing(monkeypatch)
    monkeypatch.setattr(native, "load_kernel", load)
    monkeypatch.setattr("gateway.app.load_kernel", load)
    settings = GatewaySettings(  # type: ignore[call-arg]
        _env_file=None, native="require", auth="none", access_records="off"
    )
    with pytest.raises(native.NativeKernelMissing):
        create_app(settings, tmp_path / "supergraph.graphql")
    # the same settings with auto start on the reference
    create_app(settings.model_copy(update={"native": "auto"}), tmp_path / "supergraph.graphql")


def test_serve_exits_with_one_clear_line_when_required_kernel_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _missing(monkeypatch)
    monkeypatch.setattr("gateway.app.load_kernel", load)
    monkeypatch.setattr(serve_module, "configure_logging", lambda *a, **k: None)
    monkeypatch.setattr(serve_module, "configure_tracing", lambda *a, **k: False)
    monkeypatch.setenv("RUMAH_GATEWAY_NATIVE", "require")
    with pytest.raises(SystemExit) as exited:
        serve_module.serve(tmp_path / "supergraph.graphql")
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("RUMAH_GATEWAY_NATIVE=require: the compiled gateway kernel is not built")

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rumah.secret_env import SecretFileError, load_secret_files


def test_a_file_variable_becomes_the_variable_with_the_files_content(tmp_path: Path) -> None:
    (tmp_path / "url").write_text("mongodb://rumah:s3cret@mongo:27017/\n")
    env = {"RUMAH_MONGO_URL_FILE": str(tmp_path / "url"), "OTHER_FILE": "/nope"}
    assert load_secret_files(env) == ["RUMAH_MONGO_URL"]
    assert env == {"RUMAH_MONGO_URL": "mongodb://rumah:s3cret@mongo:27017/", "OTHER_FILE": "/nope"}


def test_both_forms_set_is_refused_without_showing_the_value(tmp_path: Path) -> None:
    (tmp_path / "t").write_text("secret-value")
    env = {"RUMAH_X_FILE": str(tmp_path / "t"), "RUMAH_X": "other-secret"}
    with pytest.raises(SecretFileError, match="RUMAH_X_FILE and RUMAH_X are both set") as err:
        load_secret_files(env)
    assert "secret" not in str(err.value).replace("RUMAH_X", "")


def test_an_unreadable_file_names_the_variable(tmp_path: Path) -> None:
    env = {"RUMAH_GATEWAY_TOKENS_FILE": str(tmp_path / "missing")}
    with pytest.raises(SecretFileError, match="RUMAH_GATEWAY_TOKENS_FILE: cannot read"):
        load_secret_files(env)


def test_the_entrypoint_exits_2_with_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rumah.secret_env", "--help"],
        env={"RUMAH_A_FILE": str(tmp_path / "missing"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("invalid setting: RUMAH_A_FILE: cannot read")


def test_the_entrypoint_runs_the_cli(tmp_path: Path) -> None:
    (tmp_path / "v").write_text("x")
    proc = subprocess.run(
        [sys.executable, "-m", "rumah.secret_env", "--help"],
        env={"RUMAH_A_FILE": str(tmp_path / "v"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Rumah integration hub" in proc.stdout

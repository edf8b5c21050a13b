"""Operators read the variables in the README: the list must be the models' own."""

from pathlib import Path

from rumah.settings_doc import BEGIN, END, settings_markdown, update_block

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_lists_every_setting_as_the_models_define_it() -> None:
    text = README.read_text(encoding="utf-8")
    assert update_block(text) == text, "run `rumah settings --update README.md`"


def test_every_variable_has_a_default_and_a_meaning() -> None:
    rows = [line for line in settings_markdown().splitlines() if line.startswith("| `RUMAH_")]
    assert len(rows) > 80
    assert [r for r in rows if r.endswith("|  |")] == []
    assert "`RUMAH_GATEWAY_SUBGRAPH_URLS`" in settings_markdown()


def test_the_block_markers_are_required() -> None:
    try:
        update_block("no markers here")
    except ValueError as exc:
        assert BEGIN in str(exc) and END in str(exc)
    else:
        raise AssertionError("a README without the markers must be refused")

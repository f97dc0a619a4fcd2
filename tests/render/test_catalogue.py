"""docs/checks.md is the registry's catalogue, kept up to date."""

from __future__ import annotations

from grader import REPO_ROOT
from grader.registry import CHECKS, MISCONCEPTIONS
from grader.render.catalogue import markdown


def test_catalogue_doc_is_up_to_date() -> None:
    doc = (REPO_ROOT / "docs" / "checks.md").read_text()
    assert doc == markdown(), "docs/checks.md is out of date: run `make docs`"


def test_catalogue_lists_every_check_and_misconception() -> None:
    text = markdown()
    assert all(f"`{check_id}`" in text for check_id in CHECKS)
    assert all(f"### `{code}`" in text for code in MISCONCEPTIONS)
    assert len(MISCONCEPTIONS) >= 20

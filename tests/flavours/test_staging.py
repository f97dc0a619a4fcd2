"""Which flavour a submission is, and how a class-flavour one is staged."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import flavours
from grader._overlay import template_files
from grader.submission import open_submission, read_files

LAYERS = b"class Dropout: ...\n"


@pytest.mark.parametrize(
    ("names", "flavour"),
    [
        ([("common", "layers.py")], "classes"),
        ([("hw2", "common", "optimizer.py"), ("hw2", "Dropout.ipynb")], "classes"),
        ([("common", "multi_layer_net.py"), ("common", "util.py")], "classes"),
        # both packages: the course's own layout wins
        ([("common", "layers.py"), ("cs231n", "layers.py")], "functions"),
        ([("cs231n", "layers.py")], "functions"),
        # a common/ without the flavour's modules, or too deep, is not the flavour
        ([("common", "util.py")], "functions"),
        ([("a", "b", "common", "layers.py")], "functions"),
        ([("layers.py",)], "functions"),
        ([("Dropout.ipynb",)], "functions"),
    ],
)
def test_detect_by_the_package_layout(names: list[tuple[str, ...]], flavour: str) -> None:
    assert flavours.detect(dict.fromkeys(names, b"")) == flavour


def test_stage_writes_the_students_package_and_the_adapter(tmp_path: Path) -> None:
    source = tmp_path / "handed_in"
    for name in ("layers.py", "optimizer.py", "multi_layer_net.py", "util.py"):
        (source / "common").mkdir(parents=True, exist_ok=True)
        (source / "common" / name).write_bytes(f"# {name}\n".encode())
    (source / "Dropout.ipynb").write_bytes(b"{}")
    (source / "train.py").write_bytes(b"import common\n")
    staged = open_submission(source, tmp_path / "staged")
    root = staged.root
    assert staged.flavour == "classes"
    for name in ("layers.py", "optimizer.py", "multi_layer_net.py", "util.py"):
        assert (root / "common" / name).read_bytes() == f"# {name}\n".encode()
    assert (root / "common" / "__init__.py").is_file()  # given, from the template
    assert not (root / "train.py").exists()
    assert staged.notebooks == ("Dropout.ipynb",)
    assert set(staged.files) >= {"common/layers.py", "common/util.py", "Dropout.ipynb"}
    adapter = flavours.ADAPTER
    for path in adapter.rglob("*.py"):
        rel = path.relative_to(adapter).as_posix()
        assert (root / "cs231n" / rel).read_bytes() == path.read_bytes(), rel
    for given in ("solver.py", "layer_utils.py", "gradient_check.py", "data_utils.py"):
        assert (root / "cs231n" / given).read_bytes() == template_files()[f"cs231n/{given}"]
    assert staged.warnings == ()


def test_stage_takes_missing_modules_from_the_template(tmp_path: Path) -> None:
    (tmp_path / "in" / "common").mkdir(parents=True)
    (tmp_path / "in" / "common" / "layers.py").write_bytes(LAYERS)
    staged = open_submission(tmp_path / "in", tmp_path / "staged")
    assert (staged.root / "common" / "layers.py").read_bytes() == LAYERS
    template = flavours.template_root() / "common"
    for name in ("optimizer.py", "multi_layer_net.py"):
        assert (staged.root / "common" / name).read_bytes() == (template / name).read_bytes()
    (warning,) = staged.warnings
    assert "common/multi_layer_net.py, common/optimizer.py were missing" in warning


def test_files_outside_the_submissions_folder_are_ignored(tmp_path: Path) -> None:
    files = {("hw2", "common", "layers.py"): LAYERS, ("other", "common", "layers.py"): b"x\n"}
    staged = flavours.stage(files, tmp_path, tmp_path / "hw2.zip")
    assert (tmp_path / "common" / "layers.py").read_bytes() == LAYERS
    assert staged.warnings[0] == "ignored other/common/layers.py: outside the submission's folder"


def test_a_class_flavour_folder_reads_like_any_other(tmp_path: Path) -> None:
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "layers.py").write_bytes(LAYERS)
    (tmp_path / "common" / "__pycache__").mkdir()
    (tmp_path / "common" / "__pycache__" / "layers.cpython-311.pyc").write_bytes(b"\0")
    assert read_files(tmp_path) == {("common", "layers.py"): LAYERS}

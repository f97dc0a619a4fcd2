"""Build the example submissions in examples/submissions/.

Each example is a zip laid out like the course's submission zip: the
``cs231n/`` package and the notebooks at the top level. ``reference.zip`` is
the reference solution as a student would hand it in; every other example is
the reference with one realistic bug, written below as the exact lines it
changes. The zips are byte-for-byte reproducible, so rebuilding them leaves
git clean unless the reference or a bug changed.

Usage: python examples/build_submissions.py [OUT_DIR]
"""

from __future__ import annotations

import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "reference" / "cs231n"
NOTEBOOKS = sorted((ROOT / "student_template").glob("*.ipynb"))
OUT = ROOT / "examples" / "submissions"
# A fixed timestamp keeps the archives reproducible.
EPOCH = (2026, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Bug:
    """A change to one file of the reference: ``old`` must occur exactly once."""

    file: str
    old: str
    new: str


@dataclass(frozen=True)
class Example:
    name: str
    story: str
    bugs: tuple[Bug, ...] = ()


EXAMPLES = (
    Example("reference", "The reference solution, handed in as a student would."),
    Example(
        "keep_as_drop",
        "Treats dropout's p as the probability of DROPPING a unit (the pre-2018 convention).",
        (
            Bug(
                "layers.py",
                "        mask = (np.random.rand(*x.shape) < p) / p\n",
                "        mask = (np.random.rand(*x.shape) >= p) / (1 - p)\n",
            ),
        ),
    ),
    Example(
        "no_rescale",
        "Drops units at train time but never divides the survivors by p.",
        (
            Bug(
                "layers.py",
                "        mask = (np.random.rand(*x.shape) < p) / p\n",
                "        mask = (np.random.rand(*x.shape) < p).astype(x.dtype)\n",
            ),
        ),
    ),
    Example(
        "momentum_state_lost",
        "SGD+momentum computes the velocity but never stores it back in config.",
        (Bug("optim.py", '    config["velocity"] = v\n', ""),),
    ),
)


def answered(notebook_path: Path) -> bytes:
    """The template notebook with every inline question answered."""
    notebook = nbformat.read(notebook_path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("<!-- answer:"):
            cell.source = cell.source.replace(
                "*fill this in*", "Answered in the example submission; see the course notes."
            )
    return nbformat.writes(notebook).encode()


def files_of(example: Example) -> dict[str, bytes]:
    """Archive name -> content of every file of the example."""
    files = {
        f"cs231n/{path.relative_to(PACKAGE).as_posix()}": path.read_bytes()
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    for bug in example.bugs:
        name = f"cs231n/{bug.file}"
        source = files[name].decode()
        if source.count(bug.old) != 1:
            raise SystemExit(f"{example.name}: the line to change is not once in {bug.file}")
        files[name] = source.replace(bug.old, bug.new).encode()
    for notebook in NOTEBOOKS:
        files[notebook.name] = answered(notebook)
    return files


def write_zip(path: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])


def index() -> str:
    """The README of the submissions folder, listing every example."""
    lines = [
        "# Example submissions",
        "",
        "Built by `make examples` (`examples/build_submissions.py`); do not edit by hand.",
        "Grade one with `make grade SUBMISSION=examples/submissions/NAME.zip`.",
        "",
        "| submission | what it is |",
        "|---|---|",
    ]
    lines += [f"| `{e.name}.zip` | {e.story} |" for e in EXAMPLES]
    return "\n".join(lines) + "\n"


def main(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for example in EXAMPLES:
        path = out / f"{example.name}.zip"
        write_zip(path, files_of(example))
        written.append(path)
    (out / "README.md").write_text(index())
    written.append(out / "README.md")
    return written


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

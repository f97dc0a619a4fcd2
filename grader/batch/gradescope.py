"""The Gradescope autograder: the zip to upload, and what it runs per submission.

``build_autograder_zip(out)`` writes the zip that Gradescope's "Configure
Autograder" page takes. Gradescope unpacks it into /autograder/source and
runs, once, ``setup.sh`` (as root, when it builds the image), then, for each
submission, ``run_autograder``, which calls ``run_autograder()`` below:

1. copy /autograder/submission (the student's files) into a fresh folder;
2. grade it with ``python -m grader grade SUBMISSION --out OUT``, in its own
   process, with a time limit;
3. convert OUT/report.json with ``exports.gradescope_results`` and write
   /autograder/results/results.json.

A results.json is written whatever happens: a grader that crashes, hangs or
cannot start still gives the student a result that says so (score 0, and
the course staff's contact), and the details go to the autograder's stdout,
which only the course staff sees. The zip holds the grader package, the
reference solution (the layer and update-rule checks compare against it),
the student template (files a submission lacks are completed from it),
the assignment config (assignment.toml: points, visibility, parts, limits),
pyproject.toml, constraints.txt and the requirements derived from them.

``python -m grader.batch.gradescope zip OUT.zip`` and ``... run [--root DIR]``
are the same two steps from a shell. docs/batch_exports.md has the how-to.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

from .._files import reproducible_zip, write_atomic
from .._package import REPO_ROOT
from .exports import gradescope_results, safe_text

DEFAULT_ROOT = Path("/autograder")
#: Gradescope stops run_autograder at the assignment's own time limit; grading
#: stops first, so that a result is still written. Keep it below that limit.
DEFAULT_TIMEOUT = 480.0
#: A submission that is one of these files alone is graded as that file.
SINGLE_FILES = (".zip", ".ipynb", ".py")

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image
# (Ubuntu). It installs bubblewrap, the sandbox for student code, and a Python
# 3.11 or newer with the grader's pinned dependencies in $SOURCE/.venv.
set -euo pipefail
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export DEBIAN_FRONTEND=noninteractive

apt-get update -qq || true
# Without bubblewrap (or where the container refuses it) grading still works,
# with weaker isolation, and every report says so.
apt-get install -y -qq bubblewrap || echo "warning: bubblewrap could not be installed" >&2

PYTHON=""
for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        PYTHON="$candidate"
        break
    fi
done
if [ -z "$PYTHON" ]; then
    apt-get install -y -qq python3.11 python3.11-venv
    PYTHON=python3.11
fi
if ! "$PYTHON" -m venv "$SOURCE/.venv"; then
    apt-get install -y -qq "$PYTHON-venv" || apt-get install -y -qq python3-venv
    "$PYTHON" -m venv "$SOURCE/.venv"
fi
"$SOURCE/.venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c "$SOURCE/constraints.txt" -r "$SOURCE/requirements.txt"
# Fail the build now, not at the first submission, if the grader cannot load.
cd "$SOURCE" && PYTHONPATH="$SOURCE" .venv/bin/python -m grader checks >/dev/null
echo "autograder ready: $("$SOURCE/.venv/bin/python" --version)"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for each submission, as root, in /autograder. It grades
# /autograder/submission and writes /autograder/results/results.json, always.
# For a test elsewhere: AUTOGRADER_ROOT (default /autograder) and
# AUTOGRADER_PYTHON (default: the Python that setup.sh installed).
set -u
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
PYTHON="${AUTOGRADER_PYTHON:-$SOURCE/.venv/bin/python}"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
rm -f "$RESULTS"
cd "$SOURCE" && PYTHONPATH="$SOURCE" "$PYTHON" -m grader.batch.gradescope run \
    --root "$ROOT"__OPTIONS__
if [ ! -s "$RESULTS" ]; then
    # Python itself could not start: still give the student a result.
    cat >"$RESULTS" <<'EOF'
{"score": 0.0,
 "output": "The autograder could not start; nothing was graded. Please tell the course staff.",
 "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden", "tests": []}
EOF
fi
exit 0
"""


def build_autograder_zip(
    out_path: Path, *, inline_questions: bool = True, repo_root: Path = REPO_ROOT
) -> list[str]:
    """Write Gradescope's autograder zip to ``out_path``; the names it holds.

    ``inline_questions=False`` leaves the inline questions out of the
    Gradescope score (grade them as a manually graded question instead).
    """
    options = "" if inline_questions else " --no-inline-questions"
    members: dict[str, tuple[bytes, int]] = {
        "setup.sh": (SETUP_SH.encode(), 0o755),
        "run_autograder": (RUN_AUTOGRADER.replace("__OPTIONS__", options).encode(), 0o755),
        "requirements.txt": (_requirements(repo_root / "pyproject.toml").encode(), 0o644),
    }
    for name in ("pyproject.toml", "constraints.txt", "assignment.toml"):
        members[name] = ((repo_root / name).read_bytes(), 0o644)
    for folder, suffixes in (
        ("grader", None),  # every file: the rubric, templates and pytest.ini too
        ("reference/cs231n", (".py",)),
        ("student_template", (".py", ".ipynb")),
        ("flavours/classes", (".py",)),  # the class flavour's template completes its submissions
    ):
        for path in sorted((repo_root / folder).rglob("*")):
            relative = path.relative_to(repo_root)
            if any(p.startswith(".") or p == "__pycache__" for p in relative.parts):
                continue
            if path.is_file() and (suffixes is None or path.suffix in suffixes):
                # read_bytes follows the reference's links to the template's files.
                members[relative.as_posix()] = (path.read_bytes(), 0o644)
    write_atomic(out_path, reproducible_zip(members))
    return sorted(members)


def _requirements(pyproject: Path) -> str:
    """The grader's runtime dependencies, as pyproject.toml declares them."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    lines = ["# [project] dependencies of pyproject.toml; versions pinned by constraints.txt"]
    return "\n".join([*lines, *project["dependencies"]]) + "\n"


def run_autograder(
    root: Path = DEFAULT_ROOT,
    *,
    python: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    inline_questions: bool = True,
) -> dict[str, Any]:
    """Grade ``root``/submission and write ``root``/results/results.json; its content.

    Never raises for anything the submission or the grader does: each failure
    becomes a results.json with score 0 and a message for the student.
    """
    start = time.monotonic()
    try:
        results = _grade(root, python or sys.executable, timeout, inline_questions)
    except Exception as exc:  # the student must get a result whatever failed
        print(f"the autograder failed: {type(exc).__name__}: {exc}", flush=True)
        results = failure_results(
            f"The autograder failed ({type(exc).__name__}).", time.monotonic() - start
        )
    path = root / "results" / "results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".results.json.tmp")
    tmp.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return results


def failure_results(reason: str, seconds: float) -> dict[str, Any]:
    """results.json for a submission the grader could not grade."""
    return {
        "score": 0.0,
        "execution_time": int(seconds) + 1,
        "output": f"{reason} This submission was not graded. Please tell the course staff; "
        "they can see the details in the autograder's log.",
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
    }


def _grade(root: Path, python: str, timeout: float, inline_questions: bool) -> dict[str, Any]:
    source = REPO_ROOT
    print(f"grader: {source / 'grader'}", flush=True)
    start = time.monotonic()
    submitted = root / "submission"
    if not submitted.is_dir():
        return failure_results("No submission was found.", 0.0)
    with tempfile.TemporaryDirectory(prefix="gradescope-") as tmp:
        copy = Path(tmp) / "submission"
        shutil.copytree(submitted, copy, symlinks=True)
        out = Path(tmp) / "out"
        command = [python, "-m", "grader", "grade", str(_target(copy)), "--out", str(out)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(source), *_pythonpath()])}
        try:
            done = subprocess.run(
                command,
                cwd=source,
                env=env,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            _echo(exc.stdout, exc.stderr)
            return failure_results(
                f"Grading took longer than {timeout:g} seconds and was stopped.",
                time.monotonic() - start,
            )
        _echo(done.stdout, done.stderr)
        report_path = out / "report.json"
        # 0: graded; 3: the submission could not be read, and the report says why.
        if done.returncode in (0, 3) and report_path.is_file():
            report = json.loads(report_path.read_text(encoding="utf-8"))
            return gradescope_results(report, inline_questions=inline_questions)
        print(f"python -m grader grade exited with {done.returncode}", flush=True)
        return failure_results(
            f"The grader stopped with an error (exit code {done.returncode}).",
            time.monotonic() - start,
        )


def _target(folder: Path) -> Path:
    """What to grade in the submission folder: the folder, or the one zip,
    notebook or module file it holds alone."""
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    entries = [p for p in entries if p.name != "__MACOSX"]
    if len(entries) == 1 and entries[0].is_file() and entries[0].suffix in SINGLE_FILES:
        return entries[0]
    return folder


def _pythonpath() -> list[str]:
    return [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]


def _echo(stdout: bytes | str | None, stderr: bytes | str | None) -> None:
    """What grading printed, for the autograder's stdout (course staff only)."""
    for stream in (stdout, stderr):
        if stream:
            text = stream.decode("utf-8", "replace") if isinstance(stream, bytes) else stream
            print(safe_text(text, 200_000), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.batch.gradescope")
    sub = parser.add_subparsers(dest="command", required=True)
    z = sub.add_parser("zip", help="write the autograder zip to upload to Gradescope")
    z.add_argument("out", help="the zip to write, e.g. autograder.zip")
    r = sub.add_parser("run", help="grade ROOT/submission into ROOT/results/results.json")
    r.add_argument("--root", default=str(DEFAULT_ROOT), help="default /autograder")
    r.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds")
    for p in (z, r):
        p.add_argument(
            "--no-inline-questions",
            action="store_true",
            help="leave the inline questions out of the Gradescope score",
        )
    args = parser.parse_args(argv)
    inline = not args.no_inline_questions
    if args.command == "zip":
        names = build_autograder_zip(Path(args.out), inline_questions=inline)
        print(f"wrote {args.out} ({len(names)} files); upload it on Configure Autograder")
    else:
        results = run_autograder(Path(args.root), timeout=args.timeout, inline_questions=inline)
        print(f"results.json: score {results['score']:g}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

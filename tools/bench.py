"""Timings on this machine, in one run: ``make bench``.

- one grade, warm (the command a student or TA types), wall time;
- the same checks with the sandbox (cold, as ``make grade`` starts it, and
  warm) and in-process (``isolation="none"``);
- batch throughput over N generated submissions (default 100, all
  different), cold (a fresh store) and re-run (everything in the store);
- with --compare, the same small dropout assignment graded by Otter-Grader,
  by nbgrader and by us (``tools/compare``; each tool installed once into a
  throwaway environment from its pinned requirements, never timed).

Figures go to stdout and, with --out, to a JSON file. No assertion: the
suite stays free of timing thresholds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "examples")]
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")


def make_class(folder: Path, n: int) -> None:
    """n different submissions: the reference and the bundled bugs, each
    with a line that makes its content its own."""
    from build_submissions import EXAMPLES, Bug, Example, files_of, write_zip

    from tests.grader.test_fc_net_checks import BUGS

    kinds = list(EXAMPLES) + [
        Example(name, "", tuple(Bug("classifiers/fc_net.py", o, w) for o, w in changes))
        for name, (changes, _, _) in sorted(BUGS.items())
    ]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        example = kinds[0] if i % 2 == 0 else kinds[i % len(kinds)]
        files = files_of(example)
        files["cs231n/layers.py"] += f"\n# student {i}\n".encode()
        write_zip(folder / f"student_{i:03d}.zip", files)


def one_grade(runs: int) -> dict[str, float]:
    make = shutil.which("make")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        command = [make, "-s", "grade", "SUBMISSION=examples/submissions/reference.zip"]
        command.append("OUT=/tmp/bench-grade")
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return {"make_grade_wall_median_s": round(statistics.median(times), 3)}


#: What ``python -m grader grade`` does between starting its sandbox
#: (grader.spare.start_early) and its grade: importing the CLI, loading the
#: config (which imports the checks) and the grade module. Timed in a fresh
#: interpreter by ``command_head_start``.
_HEAD_START = """
import sys, time
from grader.spare import start_early
start_early(["grade", sys.argv[1]])
begin = time.perf_counter()
import grader.cli, grader.config, grader.grade
grader.config.load_selected()
print(time.perf_counter() - begin)
"""


def command_head_start(runs: int) -> float:
    """The head start ``make grade``'s sandbox has on its grade (median of ``runs``)."""
    zip_path = str(ROOT / "examples/submissions/reference.zip")
    found = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", _HEAD_START, zip_path],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        found.append(float(done.stdout))
    return statistics.median(found)


def engines(runs: int) -> dict[str, float]:
    """One grade in this process, repeated, four ways:

    - ``none``: in-process (``isolation="none"``);
    - ``bwrap``: sandboxed from cold, the worker started by the grade itself
      (a program that calls ``grader.grade`` with nothing started);
    - ``bwrap_command``: as ``make grade`` grades: its sandbox was started
      when the command began (``spare.start_early``), and the command's
      imports gave it a head start, measured (``command_head_start``);
    - ``bwrap_warm``: a batch's way: the previous grade left its zygote
      sandbox, numpy imported, to fork this grade's worker
      (``run(warm=True)``); a pause stands for the batch storing the previous
      result.

    Each a median of ``runs``, the kinds interleaved so that a slower spell
    of the machine hits them alike."""
    from grader.grade import run
    from grader.sandbox.launcher import isolation_level
    from grader.spare import discard_spare, start

    head_start = command_head_start(3)
    zip_path = ROOT / "examples/submissions/reference.zip"
    kinds = {"none": "none", "bwrap": None, "bwrap_command": None, "bwrap_warm": None}
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    for seed in range(runs + 1):  # the first round is not counted: imports, caches
        for kind, isolation in kinds.items():
            if kind == "bwrap_warm":
                run(zip_path, seed=seed, isolation=isolation, warm=True)  # leaves the spare
                time.sleep(0.2)
            elif kind == "bwrap_command":
                from grader.config import current

                start(current().limits.sandbox(), isolation_level())
                time.sleep(head_start)
            begin = time.perf_counter()
            run(zip_path, seed=seed, isolation=isolation)
            if seed:
                times[kind].append(time.perf_counter() - begin)
            discard_spare()
    figures = {
        f"grade_{kind}_median_s": round(statistics.median(t), 3) for kind, t in times.items()
    }
    figures["command_head_start_s"] = round(head_start, 3)
    for kind in ("bwrap", "bwrap_command", "bwrap_warm"):
        ratio = figures[f"grade_{kind}_median_s"] / figures["grade_none_median_s"]
        figures[f"isolation_ratio{kind.removeprefix('bwrap')}"] = round(ratio, 2)
    return figures


def batch(n: int, jobs: int) -> dict[str, float]:
    from grader.batch.runner import run_batch

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        folder, out = Path(tmp) / "class", Path(tmp) / "out"
        make_class(folder, n)
        start = time.perf_counter()
        cold = run_batch(folder, out, jobs=jobs, progress=False)
        cold_s = time.perf_counter() - start
        start = time.perf_counter()
        again = run_batch(folder, out, jobs=jobs, progress=False)
        again_s = time.perf_counter() - start
        assert cold.graded == n and again.graded == 0, (cold.failed, again.graded)
    return {
        "batch_submissions": n,
        "batch_jobs": jobs,
        "batch_cold_s": round(cold_s, 2),
        "batch_cold_per_s": round(n / cold_s, 2),
        "batch_rerun_s": round(again_s, 2),
        "batch_rerun_per_s": round(n / again_s, 1),
    }


def main(argv: list[str] | None = None) -> int:
    from tools import compare

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--runs", type=int, default=5, help="repeats of the single-grade timings")
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--compare", action="store_true", help="also grade with Otter-Grader and nbgrader"
    )
    parser.add_argument(
        "--compare-n", type=int, default=10, help="submissions of the comparison (10)"
    )
    parser.add_argument(
        "--venvs",
        type=Path,
        default=ROOT / "out" / "compare-venvs",
        help="the other tools' environments, created here if missing (out/compare-venvs)",
    )
    args = parser.parse_args(argv)
    if args.compare and args.compare_n < 2:
        parser.error("--compare-n must be at least 2 (one correct and one buggy student)")
    if args.compare:  # first, so that no install runs between timings
        compare.install(args.venvs)
    figures: dict[str, object] = {"cores": os.cpu_count()}
    for part in (
        lambda: one_grade(args.runs),
        lambda: engines(args.runs),
        lambda: batch(args.submissions, args.jobs),
    ):
        found = part()
        for key, value in found.items():
            print(f"{key:28} {value}")
        figures.update(found)
    status = 0
    if args.compare:
        try:
            figures["compare"] = compare.compare(args.compare_n, args.jobs, venvs=args.venvs)
        except compare.UnverifiedRunError as refused:
            print(f"compare: refused: {refused}", file=sys.stderr)
            figures["compare"] = {"refused": str(refused)}
            status = 1
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=2) + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())

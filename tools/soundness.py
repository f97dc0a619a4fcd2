"""Statistical soundness of the checks: grade the reference and every
catalogued bug under many seeds, and count what went wrong.

    make soundness [SEEDS=1000] [JOBS=2]
    .venv/bin/python tools/soundness.py --seeds 1000 --jobs 2 --out out/soundness.json

For the reference, every check must pass under every seed (a failure is a
false fail), and no misconception detector may fire on its evidence, even
though the grader only asks them when a check fails. For each bug (the
tables of tests/grader/test_*_checks.py), the checks it targets must fail
and its misconception must be named under every seed (a miss is a missed
bug). The runs use the in-process engine (``isolation="none"``): the same
checks on the same plain data, without the sandbox's start-up cost.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "examples")]
# One BLAS thread per process, as in the sandbox: two processes each running
# two BLAS threads on two cores spend their time waiting for each other.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

REFERENCE = "reference"


@dataclass(frozen=True)
class Case:
    name: str
    changes: tuple[tuple[str, str, str], ...]
    must_fail: frozenset[str]
    codes: frozenset[str]
    keyword: str | None


@dataclass
class Tally:
    runs: int = 0
    bad: int = 0
    examples: Counter[str] = field(default_factory=Counter)
    first_seed: dict[str, int] = field(default_factory=dict)


def catalogue() -> dict[str, Case]:
    """Every bug the project's tests build, with what it must cause."""
    from tests.grader import (
        test_dropout_checks,
        test_fc_net_checks,
        test_layer_checks,
        test_optim_checks,
    )

    def case(name: str, file: str, changes: Any, fail: Any, codes: Any, key: str) -> Case:
        edits = tuple((file, old, new) for old, new in changes)
        return Case(name, edits, frozenset(fail), frozenset(codes), key)

    cases = [Case(REFERENCE, (), frozenset(), frozenset(), None)]
    for code, (changes, fail) in test_dropout_checks.BUGS.items():
        cases.append(case(code, "layers.py", changes, fail, {code}, "dropout"))
    for name, (changes, fail, code) in test_fc_net_checks.BUGS.items():
        codes = {code} if code else set()
        cases.append(
            case(f"fc_net: {name}", test_fc_net_checks.NET, changes, fail, codes, "fc_net")
        )
    for name, (changes, fail, codes, _) in test_layer_checks.GROUPS.items():
        cases.append(case(f"layers: {name}", "layers.py", changes, fail, codes, "layers"))
    for code, (changes, check) in test_optim_checks.BUGS.items():
        cases.append(case(code, "optim.py", changes, {check}, {code}, "optim"))
    for name, (changes, fail, codes, _) in test_optim_checks.GROUPS.items():
        cases.append(case(f"optim: {name}", "optim.py", changes, fail, codes, "optim"))
    return {case.name: case for case in cases}


def _build(case: Case, folder: Path) -> Path:
    from build_submissions import Bug, Example, files_of

    example = Example(case.name, "", tuple(Bug(*change) for change in case.changes))
    for name, content in files_of(example).items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return folder


def _sweep(task: tuple[str, int, int]) -> tuple[str, Tally]:
    """Grade one case under seeds [start, stop) in this process."""
    from grader.grade import run
    from grader.registry import MISCONCEPTIONS

    name, start, stop = task
    case = catalogue()[name]
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="soundness-") as tmp:
        path = _build(case, Path(tmp) / "submission")
        for seed in range(start, stop):
            report, evidence = run(path, seed=seed, keyword=case.keyword, isolation="none")
            failed = {c.id for c in report.checks if c.outcome != "passed"}
            named = {d.code for c in report.checks for d in c.diagnoses}
            tally.runs += 1
            if case.name == REFERENCE:
                fired = {m.code for m in MISCONCEPTIONS.values() if m.shown(evidence)}
                problems = {f"false fail: {c}" for c in failed}
                problems |= {f"fired on the reference: {c}" for c in fired}
            else:
                problems = {f"not failed: {c}" for c in case.must_fail - failed}
                problems |= {f"{code} not named" for code in case.codes - named}
            if problems:
                tally.bad += 1
                tally.examples.update(problems)
                for problem in problems:
                    tally.first_seed.setdefault(problem, seed)
    return name, tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=1000, help="seeds per case (default 1000)")
    parser.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--only", help="only the cases whose name contains this")
    parser.add_argument("--out", help="write the tallies as JSON here")
    args = parser.parse_args(argv)

    names = [n for n in catalogue() if not args.only or args.only in n]
    chunk = max(1, min(100, args.seeds))
    tasks = [
        (name, start, min(start + chunk, args.seeds))
        for name in names
        for start in range(0, args.seeds, chunk)
    ]
    started = time.perf_counter()
    totals = {name: Tally() for name in names}
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.jobs, maxtasksperchild=1) as pool:
        for done, (name, tally) in enumerate(pool.imap_unordered(_sweep, tasks), 1):
            total = totals[name]
            total.runs += tally.runs
            total.bad += tally.bad
            total.examples.update(tally.examples)
            for problem, seed in tally.first_seed.items():
                total.first_seed[problem] = min(seed, total.first_seed.get(problem, seed))
            if sys.stderr.isatty():
                print(f"\r{done}/{len(tasks)} chunks", end="", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    if sys.stderr.isatty():
        print(file=sys.stderr)

    width = max(len(n) for n in names)
    print(f"{'case':{width}}  {'seeds':>6}  {'wrong':>6}")
    for name in names:
        t = totals[name]
        print(f"{name:{width}}  {t.runs:6d}  {t.bad:6d}")
        for example, count in t.examples.most_common(3):
            print(f"{'':{width}}    {count} x {example} (first at seed {t.first_seed[example]})")
    false_fails = totals[REFERENCE].bad if REFERENCE in totals else 0
    missed = sum(t.bad for n, t in totals.items() if n != REFERENCE)
    print(
        f"\n{sum(t.runs for t in totals.values())} grades in {seconds:.0f} s: "
        f"{false_fails} reference runs with a false fail or a detector firing, "
        f"{missed} bug runs with a missed failure or diagnosis"
    )
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        data = {
            "seeds": args.seeds,
            "seconds": round(seconds, 1),
            "cases": {
                n: {
                    "runs": t.runs,
                    "wrong": t.bad,
                    "problems": dict(t.examples),
                    "first_seed": t.first_seed,
                }
                for n, t in totals.items()
            },
        }
        Path(args.out).write_text(json.dumps(data, indent=2) + "\n")
    return 0 if false_fails == 0 and missed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Grading a group of attacks end to end, and looking at the host around it.

``run_group`` builds the group's submission in a fresh folder, snapshots the
host's things the attacks go after, grades it with the real engine (the
default bubblewrap sandbox; through the CLI when an attack needs the report
on disk), looks again, scans for processes with the group's marker, and
grades an honest submission right after (and the attacks' honest part, when
it is not the reference). ``demonstrate`` runs an attack's code without any
sandbox against throwaway copies of the same things, to show it does damage
there.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from string import Template

from grader import REPO_ROOT, _scratch
from grader import spare as spares
from grader.config import current
from grader.errors import SubmissionError
from grader.grade import run
from grader.report import GradeReport
from grader.sandbox.launcher import Limits
from tests.hostile.attacks import FILE_OF, Attack, Context
from tests.hostile.attacks.archives import reference_files, unpack_naively

#: Every grade of the suite draws the same inputs.
SEED = 20240601
#: Host files an attack may go after by a fixed path: digested before and after.
SYSTEM_FILES = ("/etc/passwd", "/etc/shadow", "/root/.bashrc", "/bin/sh")
#: The grader's environment variables: unset for every grade of the suite
#: unless an attack sets them (another test module may have left one behind).
GRADER_ENV = ("GRADER_CALL_SECONDS", "GRADER_START_SECONDS", "GRADER_EXPERIMENT_SECONDS")
GRADER_ENV += ("GRADER_CONFIG", "GRADER_SEED", "GRADER_ISOLATION")
#: Host paths an attack may try to create: must not exist afterwards.
SYSTEM_NEW = ("/etc/cron.d/hostile", "/usr/lib/python3/dist-packages/hostile.pth", "/submission")
#: An attack's code run without a sandbox: in a function (its arguments as
#: globals), whose answer a careless grader then unpickles where it is bytes.
UNSANDBOXED = """\
import pickle
import numpy as np
x = np.ones((4, 5)) + 10.0
w, b, y = np.ones((5, 3)), np.zeros(3), np.zeros(4, dtype=int)
dropout_param, config = {"p": 0.5, "mode": "train"}, {}
def attack():
$BODY
answer = attack()
for part in answer if isinstance(answer, tuple) else (answer,):
    if isinstance(part, bytes):
        pickle.loads(part)
"""


@dataclass
class GroupRun:
    """One group's grade and what was seen around it."""

    name: str
    attacks: tuple[Attack, ...]
    context: Context
    submission: Path
    keyword: str
    report: GradeReport  # for a refused submission: grade.unreadable's report
    rejection: str  # why the submission was refused ("" when it was graded)
    stdout: str  # the CLI's terminal report, for a grade through the CLI
    seconds: float
    damage: list[str]  # what changed on the host
    strays: list[str]  # processes with the group's marker still running afterwards
    leftovers: list[str]  # files the grade left in its temporary folder
    connections: int  # connections the host's listeners received
    honest: GradeReport  # an honest submission graded right after
    baseline: GradeReport  # the attacks' honest part alone


def keyword_of(attacks: tuple[Attack, ...]) -> str:
    return " or ".join(dict.fromkeys(a.checks for a in attacks))


# --- building submissions -----------------------------------------------------


def place(source: str, attack: Attack, code: str) -> str:
    """source with code placed as the attack says."""
    if attack.where == "<end>":
        return source + "\n" + code
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    if attack.where == "<import>":
        imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        end = max(n.end_lineno or 0 for n in imports)
        return "".join(lines[:end]) + code + "".join(lines[end:])
    function = next(
        n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == attack.where
    )
    body = function.body[1:] if ast.get_docstring(function) is not None else function.body
    first = body[0]
    indent = " " * first.col_offset
    block = "".join(indent + line + "\n" if line.strip() else "\n" for line in code.splitlines())
    start = first.lineno - 1
    end = (function.end_lineno or start) if attack.mode == "replace" else start
    return "".join(lines[:start]) + block + "".join(lines[end:])


def write_folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return root


def honest_files(changes: tuple[tuple[str, str, str], ...]) -> dict[str, bytes]:
    files = reference_files()
    for name, old, new in changes:
        source = files[name].decode()
        assert source.count(old) == 1, f"{old!r} is not once in {name}"
        files[name] = source.replace(old, new).encode()
    return files


def honest_changes(attacks: tuple[Attack, ...]) -> tuple[tuple[str, str, str], ...]:
    return tuple(dict.fromkeys(change for a in attacks for change in a.honest))


def build(attacks: tuple[Attack, ...], ctx: Context, folder: Path) -> Path:
    """The group's submission in folder."""
    special = [a for a in attacks if a.archive is not None]
    if special:
        assert len(attacks) == 1, "an archive attack is graded alone"
        assert special[0].archive is not None
        return special[0].archive(folder, ctx)
    files = honest_files(honest_changes(attacks))
    for attack in sorted(attacks, key=lambda a: a.where == "<end>"):
        name = FILE_OF.get(attack.where, "cs231n/layers.py")
        code = Template(attack.code).substitute(ctx.substitutions())
        files[name] = place(files[name].decode(), attack, code).encode()
    return write_folder(folder / "submission", files)


# --- the host around a grade --------------------------------------------------


def _digest(path: Path) -> str:
    """A file's or a folder's content (source files only), or 'absent'."""
    if path.is_symlink() or path.is_file():
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            return f"unreadable {exc.errno}"
    if not path.is_dir():
        return "absent"
    h = hashlib.sha256()
    for file in sorted(path.rglob("*")):
        if "__pycache__" in file.parts or not file.is_file():
            continue
        h.update(str(file.relative_to(path)).encode() + b"\0" + file.read_bytes() + b"\0")
    return h.hexdigest()


def snapshot(ctx: Context, host: bool = True, out: bool = True) -> dict[str, str]:
    """What must not change: the context's things, and with ``host`` the
    repository's reference, template and grader and some system files."""
    items = {
        "the sentinel file": ctx.sentinel,
        "the file that must not exist": ctx.create,
        "the classmate's folder": ctx.classmate,
        "the reference's layers.py": ctx.reference,
        "the grader module": ctx.grader,
        "numpy's __init__.py": ctx.numpy_init,
    }
    if out:
        items["the out folder"] = ctx.out
    if host:
        items |= {
            "reference/": REPO_ROOT / "reference",
            "student_template/": REPO_ROOT / "student_template",
            "grader/": REPO_ROOT / "grader",
            "assignment.toml": REPO_ROOT / "assignment.toml",
        }
        items |= {path: Path(path) for path in (*SYSTEM_FILES, *SYSTEM_NEW)}
    return {name: _digest(path) for name, path in items.items()}


def changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return [
        f"{name}: {before[name]} -> {after[name]}" for name in before if before[name] != after[name]
    ]


def processes_with(marker: str) -> list[str]:
    """Running processes whose command line or name holds marker."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry}/comm") as f:
                comm = f.read().strip()
            with open(f"/proc/{entry}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in (b"Z", b"X") and (marker in cmdline or marker in comm):
            found.append(f"{entry} {comm}: {cmdline[:120]}")
    return found


def strays_of(marker: str, grace: float = 3.0) -> list[str]:
    """Processes with marker still running after a grace period (a killed
    PID namespace takes a moment to disappear)."""
    deadline = time.monotonic() + grace
    while True:
        found = processes_with(marker)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def make_context(folder: Path) -> Context:
    """Fresh host things for one group, under folder."""
    folder.mkdir(parents=True, exist_ok=True)
    sentinel = folder / "host" / "sentinel.txt"
    sentinel.parent.mkdir(parents=True)
    sentinel.write_text("the host's file, as it was\n")
    classmate = write_folder(folder / "classmates" / "alice", reference_files())
    import numpy

    return Context(
        sentinel=sentinel,
        create=folder / "host" / "created-by-the-attack.txt",
        classmate=classmate,
        out=folder / "out",
        reference=REPO_ROOT / "reference" / "cs231n" / "layers.py",
        grader=REPO_ROOT / "grader" / "plugin.py",
        numpy_init=Path(numpy.__file__),
        port=0,
        abstract=f"grader-hostile-{secrets.token_hex(4)}",
        marker=f"hst{secrets.token_hex(4)}",
    )


@contextlib.contextmanager
def listeners(ctx: Context) -> Iterator[tuple[Context, list[socket.socket]]]:
    """A TCP server on 127.0.0.1 and an abstract UNIX socket, listening."""
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(8)
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind("\0" + ctx.abstract)
    unix.listen(8)
    try:
        yield dataclasses.replace(ctx, port=tcp.getsockname()[1]), [tcp, unix]
    finally:
        tcp.close()
        unix.close()


def _accepted(sockets: list[socket.socket]) -> int:
    count = 0
    for server in sockets:
        server.setblocking(False)
        while True:
            try:
                connection, _ = server.accept()
            except BlockingIOError:
                break
            connection.close()
            count += 1
    return count


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """os.environ with values set and the grader's other variables unset."""
    saved = {key: os.environ.get(key) for key in (*GRADER_ENV, *values)}
    for key in GRADER_ENV:
        os.environ.pop(key, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def temporary_folder(folder: Path) -> Iterator[None]:
    """tempfile's folder (the grade's staging and the sandbox's log) set to folder."""
    folder.mkdir(parents=True, exist_ok=True)
    saved = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = saved


# --- grading ------------------------------------------------------------------


def _cli(
    submission: Path, ctx: Context, keyword: str, env: dict[str, str]
) -> tuple[GradeReport, str]:
    command = [sys.executable, "-m", "grader", "grade", str(submission), "--out", str(ctx.out)]
    command += ["-k", keyword, "--seed", str(SEED)]
    done = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env={k: v for k, v in os.environ.items() if k not in GRADER_ENV} | env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads((ctx.out / "report.json").read_text(encoding="utf-8"))
    return GradeReport.from_dict(data), done.stdout


def run_group(
    name: str,
    attacks: tuple[Attack, ...],
    folder: Path,
    honest_grades: dict[tuple[object, ...], GradeReport],
) -> GroupRun:
    """Grade the group's submission and look at everything around it."""
    ctx = make_context(folder)
    keyword = keyword_of(attacks)
    cli = any(a.cli for a in attacks)
    env: dict[str, str] = {}
    for attack in attacks:
        env |= dict(attack.env)
    memory = {a.memory_mb for a in attacks} - {None}
    assert len(memory) <= 1, "one memory limit per group"
    config = current()
    if memory:
        limits = dataclasses.replace(config.limits, memory_mb=memory.pop())
        config = dataclasses.replace(config, limits=limits)
    tmp = folder / "tmp"
    if not cli:
        with environment(env):
            _zygote_for(config.limits.sandbox())
    with listeners(ctx) as (ctx, sockets):
        submission = build(attacks, ctx, folder)
        before = snapshot(ctx, out=not cli)
        rejection, stdout = "", ""
        start = time.perf_counter()
        with temporary_folder(tmp), environment(env | {"TMPDIR": str(tmp)}):
            if cli:
                report, stdout = _cli(submission, ctx, keyword, env | {"TMPDIR": str(tmp)})
            else:
                try:
                    # warm: the zygote is kept for the honest grade right after
                    report, _ = run(
                        submission, keyword=keyword, seed=SEED, config=config, warm=True
                    )
                except SubmissionError as exc:
                    from grader.grade import unreadable

                    rejection = str(exc)
                    report = unreadable(submission, exc)
        seconds = time.perf_counter() - start
        damage = changes(before, snapshot(ctx, out=not cli))
        strays = strays_of(ctx.marker)
        connections = _accepted(sockets)
    # The grading process's own folder (grader._scratch) stays while it runs;
    # what is in it is the grade's.
    leftovers = sorted(
        str(p.relative_to(tmp))
        for p in tmp.rglob("*")
        if not (p.parent == tmp and p.name.startswith(_scratch.PREFIX) and p.is_dir())
    )
    changes_ = honest_changes(attacks)
    with environment({}):
        honest = _honest(keyword, (), folder, honest_grades)
        baseline = _honest(keyword, changes_, folder, honest_grades) if changes_ else honest
    return GroupRun(
        name=name,
        attacks=attacks,
        context=ctx,
        submission=submission,
        keyword=keyword,
        report=report,
        rejection=rejection,
        stdout=stdout,
        seconds=seconds,
        damage=damage,
        strays=strays,
        leftovers=leftovers,
        connections=connections,
        honest=honest,
        baseline=baseline,
    )


def _zygote_for(limits: Limits) -> None:
    """A zygote with these limits, as each process of a batch keeps one: the
    group's attacks are graded on it, and the honest submission right after
    on the same sandbox when the limits are the defaults (what one student's
    code leaves for the next)."""
    spare = spares.take(limits, "bwrap")
    if spare is not None:
        spares.kept.append(spare)
    else:
        spares.start(limits, "bwrap")


def _honest(
    keyword: str,
    changes_: tuple[tuple[str, str, str], ...],
    folder: Path,
    cache: dict[tuple[object, ...], GradeReport],
) -> GradeReport:
    """The honest submission (the reference with changes_) graded with keyword.
    The reference's own grade is made fresh after every group (grading goes
    on); an honest part that differs from it is graded once per keyword."""
    key = (keyword, changes_)
    if changes_ and key in cache:
        return cache[key]
    root = write_folder(folder / ("baseline" if changes_ else "honest"), honest_files(changes_))
    report, _ = run(root, keyword=keyword, seed=SEED, warm=True)
    cache[key] = report
    return report


# --- without a sandbox ----------------------------------------------------------


def demonstrate(attack: Attack, folder: Path) -> list[str]:
    """Run the attack with no sandbox against throwaway copies of the host's
    things (under folder) and return the damage it did to them."""
    ctx = make_context(folder / "throwaway")
    ctx = dataclasses.replace(
        ctx,
        reference=_copy(ctx.reference, folder / "throwaway" / "reference" / "layers.py"),
        grader=_copy(ctx.grader, folder / "throwaway" / "grader" / "plugin.py"),
        numpy_init=_copy(ctx.numpy_init, folder / "throwaway" / "numpy" / "__init__.py"),
    )
    ctx.out.mkdir()
    before = snapshot(ctx, host=False)
    if attack.archive is not None:
        archive = attack.archive(folder, ctx)
        unpack_naively(archive, folder / "throwaway" / "unpacked")
    else:
        code = Template(attack.code).substitute(ctx.substitutions())
        _only_throwaway_paths(code, folder)
        body = "".join(f"    {line}\n" for line in code.splitlines()) + "    pass\n"
        script = Template(UNSANDBOXED).substitute(BODY=body)
        cwd = folder / "throwaway" / "cwd"
        cwd.mkdir()
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=cwd,
            env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    return changes(before, snapshot(ctx, host=False))


def _copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def _only_throwaway_paths(code: str, folder: Path) -> None:
    """Refuse to run code unsandboxed that names a host path outside folder
    (/submission exists only in the sandbox, where the code checks for it)."""
    for path in re.findall(r"[\"'](/[^\"']*)", code):
        allowed = path.startswith((str(folder), "/submission"))
        assert allowed, f"unsandboxed code may only touch the throwaway folder, not {path}"

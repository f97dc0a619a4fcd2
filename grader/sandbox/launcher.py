"""Start the worker in a sandbox and talk to it with deadlines.

Two isolation levels, the strongest the machine allows:

- ``bwrap``: bubblewrap gives the worker its own PID, network, IPC and mount
  namespaces; the only files it sees are the interpreter, numpy, the worker's
  two source files and the submission, all read-only, and two small private
  writable folders in memory (``/work`` and ``/tmp``, ``scratch_bytes``
  each). It runs as an unprivileged user (uid 65534) with no capabilities,
  and a seccomp filter refuses the two ways of holding memory outside every
  process's address space: System V shared memory and memfd files.
- ``process``: a separate interpreter in a private working folder with a
  scrubbed environment, but the network and the file system are not hidden.
  Used where bubblewrap is missing or refused, with a warning in the report.

Both apply resource limits (CPU time, address space, processes, open files,
file size): the worker sets them on itself first thing, before it reads a
request and so before any of the student's code runs (it exits if one cannot
be set), and every request has a wall-clock
deadline after which the whole sandbox is killed. The address-space limit
holds for each process alone, so while it waits for an answer the trusted
process also adds up the memory of every process in the sandbox (every
``WATCH_SECONDS``) and kills the sandbox past ``memory_bytes``: 32 processes
of 2 GiB each would otherwise be allowed. What the student's code prints
goes to a log file the trusted process opened and the worker inherits as its
descriptor 2, so the sandbox binds no writable folder of the host.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import functools
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import _scratch
from .._memory import TUNABLES
from .._proc import stat_fields
from . import protocol

WORKER_DIR = Path(__file__).resolve().parent
UNPRIVILEGED = 65534
OUTPUT_KEEP = 64 * 1024
#: How often the memory of the sandbox's processes is added up while an answer is awaited.
WATCH_SECONDS = 0.05
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker."""

    cpu_seconds: int = 60
    memory_bytes: int = 2 * 1024**3
    processes: int = 32
    open_files: int = 64
    file_bytes: int = 8 * 1024**2
    call_seconds: float = 10.0
    start_seconds: float = 20.0
    #: Size of each of the sandbox's writable folders, /work and /tmp (memory).
    scratch_bytes: int = 64 * 1024**2

    @classmethod
    def from_env(cls, base: Limits | None = None) -> Limits:
        """``base`` (default: the defaults above; grader.config gives the
        assignment's), with GRADER_CALL_SECONDS overriding the per-call
        deadline and GRADER_START_SECONDS the deadline of starting the worker
        and importing the package."""
        from ..config import environment_seconds  # ConfigError for a value it cannot use

        limits = base if base is not None else cls()
        call = environment_seconds("GRADER_CALL_SECONDS")
        if call is not None:
            limits = dataclasses.replace(limits, call_seconds=call)
        start = environment_seconds("GRADER_START_SECONDS")
        if start is not None:
            limits = dataclasses.replace(limits, start_seconds=start)
        return limits


F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ (Linux), named in fcntl from Python 3.10 on Linux


def _widen_pipes(*fds: int) -> None:
    """Pipes of up to 1 MiB instead of 64 KiB: an array of a few MB then
    crosses in a few writes instead of dozens of switches between the two
    processes (measured: five 500x500 dropout calls 83 -> 65 ms)."""
    for fd in fds:
        with contextlib.suppress(OSError):  # a smaller pipe only costs speed
            fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", F_SETPIPE_SZ), 1 << 20)


class WorkerError(Exception):
    """The worker crashed, exited, hung or sent something unreadable."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # "crashed" | "timeout" | "protocol"
        self.message = message


def _numpy_dir() -> Path:
    return Path(np.__file__).resolve().parent


def _interpreter() -> Path:
    return Path(os.path.realpath(sys.executable))


@functools.cache
def isolation_level() -> str:
    """'bwrap' when a probe sandbox starts on this machine, else 'process'."""
    if os.environ.get("GRADER_ISOLATION") == "process" or not shutil.which("bwrap"):
        return "process"
    seccomp = _seccomp_fd()
    with tempfile.TemporaryDirectory() as tmp:
        command = _bwrap_command(Path(tmp), ["-c", "pass"], Limits(), seccomp)
        try:
            probe = subprocess.run(
                command,
                capture_output=True,
                timeout=20,
                check=False,
                pass_fds=() if seccomp is None else (seccomp,),
            )
        except (OSError, subprocess.TimeoutExpired):
            return "process"
        finally:
            if seccomp is not None:
                os.close(seccomp)
    return "bwrap" if probe.returncode == 0 else "process"


def _ancestors_dirs(path: Path) -> list[str]:
    """bwrap options that create each parent of path world-readable."""
    options: list[str] = []
    for parent in reversed(path.parents):
        if str(parent) != "/":
            options += ["--perms", "0755", "--dir", str(parent)]
    return options


# A seccomp filter (classic BPF, as bubblewrap's --seccomp reads it) that fails
# shmget and memfd_create with EPERM. Both hold memory that is in no process's
# address space, so RLIMIT_AS does not count it: a student could fill the
# host's memory with segments created, touched and detached one by one.
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
#: shmget, memfd_create and memfd_secret by architecture.
_REFUSED_SYSCALLS = {"x86_64": (29, 319, 447), "aarch64": (194, 279, 447)}
_X32_BIT = 0x40000000
_BPF_LD_ABS, _BPF_JEQ, _BPF_JGE, _BPF_RET = 0x20, 0x15, 0x35, 0x06
_RET_ALLOW, _RET_ERRNO = 0x7FFF0000, 0x00050000


def seccomp_program(machine: str | None = None) -> bytes | None:
    """The filter's instructions (struct sock_filter, native byte order) for
    this machine's architecture, or None where it is not known (the sandbox
    then runs without it). Calls of another ABI (32-bit compatibility calls,
    x32) fail with ENOSYS: Python never makes them."""
    machine = machine or os.uname().machine
    if machine not in _AUDIT_ARCH:
        return None
    refused = _REFUSED_SYSCALLS[machine]
    deny = 5 + len(refused) + 1  # index of the final "return EPERM"
    code = [
        (_BPF_LD_ABS, 0, 0, 4),  # 0: the call's architecture
        (_BPF_JEQ, 1, 0, _AUDIT_ARCH[machine]),  # 1: native: go to 3
        (_BPF_RET, 0, 0, _RET_ERRNO | errno.ENOSYS),  # 2: any other ABI
        (_BPF_LD_ABS, 0, 0, 0),  # 3: the call's number
        (_BPF_JGE, deny - 5, 0, _X32_BIT),  # 4: the x32 ABI (x86_64 only)
    ]
    for i, number in enumerate(refused):
        here = 5 + i
        code.append((_BPF_JEQ, deny - here - 1, 0, number))
    code += [(_BPF_RET, 0, 0, _RET_ALLOW), (_BPF_RET, 0, 0, _RET_ERRNO | errno.EPERM)]
    assert len(code) == deny + 1
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in code)


def _seccomp_fd() -> int | None:
    """A pipe's read end holding the filter, for bwrap --seccomp; None without one."""
    program = seccomp_program()
    if program is None:
        return None
    read, write = os.pipe()
    os.write(write, program)  # far below a pipe's capacity
    os.close(write)
    return read


def _bwrap_command(
    submission: Path, args: list[str], limits: Limits, seccomp_fd: int | None = None
) -> list[str]:
    python = _interpreter()
    scratch = str(limits.scratch_bytes)
    prefix = Path(sys.base_prefix).resolve()
    numpy_dir = _numpy_dir()
    command = [
        "bwrap",
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", "--die-with-parent", "--new-session",
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
        "--symlink", "usr/bin", "/bin",
        "--proc", "/proc", "--dev", "/dev",
        "--perms", "1777", "--size", scratch, "--tmpfs", "/tmp",
    ]  # fmt: skip
    if not str(prefix).startswith("/usr/"):
        command += [*_ancestors_dirs(prefix), "--ro-bind", str(prefix), str(prefix)]
    command += ["--perms", "0755", "--dir", "/opt/numpy"]
    command += ["--ro-bind", str(numpy_dir), "/opt/numpy/numpy"]
    libs = numpy_dir.parent / "numpy.libs"
    if libs.is_dir():
        command += ["--ro-bind", str(libs), "/opt/numpy/numpy.libs"]
    command += ["--perms", "0755", "--dir", "/opt/grader"]
    for name in ("worker.py", "protocol.py"):
        command += ["--ro-bind", str(WORKER_DIR / name), f"/opt/grader/{name}"]
    command += ["--ro-bind", str(submission), "/submission"]
    command += ["--perms", "1777", "--size", scratch, "--tmpfs", "/work", "--chdir", "/work"]
    command += ["--clearenv", *_env_options()]
    if seccomp_fd is not None:
        command += ["--seccomp", str(seccomp_fd)]
    if os.geteuid() == 0:
        # Root outside: drop to a real unprivileged user inside, so that the
        # process and file limits apply and no capability is left.
        command += [
            "/usr/bin/setpriv", f"--reuid={UNPRIVILEGED}", f"--regid={UNPRIVILEGED}",
            "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
        ]  # fmt: skip
    else:
        command[1:1] = ["--unshare-user", "--uid", str(UNPRIVILEGED), "--gid", str(UNPRIVILEGED)]
    return [*command, str(python), "-I", "-S", *args]


def _clean_env() -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": "/work",
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        # Freed arrays are kept for the next one instead of faulted in again
        # (grader/_memory.py): a dropout-only grade's worker 21 -> 13 ms of CPU.
        "GLIBC_TUNABLES": TUNABLES,
    }


def _env_options() -> list[str]:
    options: list[str] = []
    for key, value in _clean_env().items():
        options += ["--setenv", key, value]
    return options


def _limits_argument(limits: Limits) -> str:
    """The resource limits as the worker's last argument: it sets them on
    itself before it reads its first request, so before any code of the
    student's runs. (Setting them between fork and exec instead would force a
    full fork of this large process: 5 ms more per worker.)"""
    return json.dumps(
        {
            "cpu": limits.cpu_seconds,
            "as": limits.memory_bytes,
            "nproc": limits.processes,
            "nofile": limits.open_files,
            "fsize": limits.file_bytes,
            "core": 0,
        }
    )


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it, parents before children (from
    /proc/PID/task/TID/children). Under bwrap that is the whole sandbox: an
    orphan is adopted by the sandbox's own init, which is below ``pid``."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop(0)
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as f:
                    todo += [int(child) for child in f.read().split()]
            except (OSError, ValueError):
                continue
    return found


def _running(pid: int) -> bool:
    """Is the process there and not a zombie?"""
    try:
        state = stat_fields(pid)[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def memory_of(pid: int) -> int:
    """The memory one process holds, in bytes: its proportional set size
    (shared pages split between their sharers), else its resident set; 0
    when it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_BYTES
    except (OSError, ValueError, IndexError):
        return 0


def _launch(
    options: list[str],
    submission: Path,
    limits: Limits,
    isolation: str,
    log: Path,
    stdin: Any,
    stdout: Any,
) -> subprocess.Popen[bytes]:
    """Start ``worker.py OPTIONS NUMPY_DIR SUBMISSION_DIR LIMITS`` over
    ``submission``, in bubblewrap or as a plain process with a scrubbed
    environment, in the folder holding ``log``, which it inherits open as
    its descriptor 2."""
    seccomp = None
    if isolation == "bwrap":
        seccomp = _seccomp_fd()
        args = ["/opt/grader/worker.py", *options, "/opt/numpy", "/submission"]
        command = _bwrap_command(submission, [*args, _limits_argument(limits)], limits, seccomp)
        env = None
    else:
        log.parent.chmod(0o777)  # the unprivileged worker writes here
        command = [
            str(_interpreter()), "-I", "-S", str(WORKER_DIR / "worker.py"), *options,
            str(_numpy_dir().parent), str(submission), _limits_argument(limits),
        ]  # fmt: skip
        env = _clean_env()
    descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        return subprocess.Popen(
            command,
            stdin=stdin,
            stdout=stdout,
            stderr=descriptor,
            cwd=log.parent,
            env=env,
            start_new_session=True,
            pass_fds=() if seccomp is None else (seccomp,),
        )
    finally:
        os.close(descriptor)
        if seccomp is not None:
            os.close(seccomp)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Kill a process started by ``_launch`` and everything in its session
    (under bwrap: the whole sandbox), and reap it."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class WorkerProcess:
    """One running worker over one submission."""

    def __init__(self, submission: Path, limits: Limits, isolation: str) -> None:
        self.limits = limits
        self.isolation = isolation
        # Holds output.log, which the worker inherits open as its descriptor 2;
        # under bwrap the folder itself is not in the sandbox.
        self.workdir = Path(tempfile.mkdtemp(prefix="grader-work-", dir=_scratch.root()))
        self.process = _launch(
            [], submission, limits, isolation, self.workdir / "output.log",
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )  # fmt: skip
        assert self.process.stdin is not None and self.process.stdout is not None
        self._ready(self.process.stdin, self.process.stdout.fileno())

    def _ready(self, requests: Any, answers: int) -> None:
        """Start talking: requests are written to ``requests`` (a binary
        file), answers read from the descriptor ``answers``."""
        self._requests = requests
        self._answers = answers
        self.started = time.monotonic()
        self.dead: WorkerError | None = None
        #: Processes and threads of the student's code still running at close
        #: (the worker's own process and main thread not counted).
        self.leftovers = (0, 0)
        _widen_pipes(requests.fileno(), answers)

    def request(self, body: dict[str, Any], timeout: float | None = None) -> Any:
        """Send one request and wait for its answer, at most ``timeout`` s."""
        if self.dead is not None:
            raise self.dead
        try:
            for part in protocol.encode_parts(body):
                self._requests.write(part)
            self._requests.flush()
        except (BrokenPipeError, OSError):
            self._fail("crashed", self._exit_story())
        return self._read(time.monotonic() + (timeout or self.limits.call_seconds))

    def _read(self, deadline: float) -> Any:
        """One answer. Each array's bytes go straight into the memory of the
        array they become: no copy of a large answer in between."""
        prefix = bytearray(4)
        self._fill(memoryview(prefix), deadline)
        (header_len,) = struct.unpack(">I", prefix)
        if header_len > protocol.MAX_HEADER:
            self._fail("protocol", "it sent a malformed answer (header too large)")
        header = bytearray(header_len)
        self._fill(memoryview(header), deadline)
        try:
            body, sizes = protocol.parse_header(bytes(header))
        except protocol.ProtocolError as exc:
            self._fail("protocol", f"it sent a malformed answer ({exc})")
        buffers = []
        for size in sizes:  # their sum is at most protocol.MAX_MESSAGE
            buffer = np.empty(size, dtype=np.uint8)
            self._fill(buffer.data, deadline)
            buffers.append(buffer)
        try:
            return protocol.decode_body(body, buffers, owned=True)
        except protocol.ProtocolError as exc:
            self._fail("protocol", f"it sent a malformed answer ({exc})")

    def _fill(self, view: memoryview, deadline: float) -> None:
        """Read from the worker until ``view`` is full."""
        fd = self._answers
        watch = time.monotonic() + WATCH_SECONDS
        got, size = 0, view.nbytes
        while got < size:
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0:
                self._fail("timeout", "it did not answer within the time limit")
            if now >= watch:
                self._watch_memory()
                watch = now + WATCH_SECONDS
            ready, _, _ = select.select([fd], [], [], max(0.0, min(remaining, watch - now)))
            if ready:
                count = os.readv(fd, [view[got:]])
                if not count:
                    self._fail("crashed", self._exit_story())
                got += count

    def _watch_memory(self) -> None:
        """Kill the sandbox if its processes together hold more than the limit."""
        used = sum(memory_of(pid) for pid in descendants(self.process.pid))
        if used > self.limits.memory_bytes:
            mib = self.limits.memory_bytes // 1024**2
            self._fail(
                "crashed",
                f"its processes together used more than {mib} MiB of memory, the sandbox's "
                "limit for all of them (each process alone has the same limit), so the "
                "sandbox was stopped",
            )

    def _exit_code(self) -> int | None:
        """How the worker ended (negative: the signal that killed it); None
        when that is not known within 2 s."""
        try:
            return self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return None

    def _exit_story(self) -> str:
        code = self._exit_code()
        if code is None:
            return "it closed its channel to the grader"
        if code < 0:
            name = signal.Signals(-code).name
            if -code == signal.SIGXCPU:
                return f"it used more than {self.limits.cpu_seconds} s of CPU time ({name})"
            return f"it was killed by signal {name}"
        if 128 < code < 128 + 65:  # bubblewrap reports its child's fatal signal so
            try:
                name = signal.Signals(code - 128).name
            except ValueError:
                name = ""
            if name == "SIGXCPU":
                return f"it used more than {self.limits.cpu_seconds} s of CPU time ({name})"
            if name:
                return f"it was killed by signal {name} (exit status {code})"
        return f"the process exited with status {code} in the middle of the grading"

    def _fail(self, kind: str, message: str) -> Any:
        self.dead = WorkerError(kind, message)
        self.kill()
        raise self.dead

    def kill(self) -> None:
        _stop(self.process)

    def _count_leftovers(self) -> tuple[int, int]:
        """Processes (beside the worker) and threads (beside its main thread)
        running in the sandbox now. Under bwrap the tree is bwrap, the
        sandbox's init, then the worker as init's first child and any
        orphan adopted by init after it; in process isolation the worker is
        the top, and an orphan that left its tree is not seen."""
        pids = [pid for pid in descendants(self.process.pid) if _running(pid)]
        base = 3 if self.isolation == "bwrap" else 1
        if len(pids) < base:
            return 0, 0
        try:
            threads = len(os.listdir(f"/proc/{pids[base - 1]}/task")) - 1
        except OSError:
            threads = 0
        return len(pids) - base, max(threads, 0)

    def _alive(self) -> bool:
        return self.process.poll() is None

    def processes(self) -> list[int]:
        """The sandbox's processes now (bubblewrap's tree, or the worker's)."""
        return [self.process.pid, *descendants(self.process.pid)]

    def _close_channels(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def output(self) -> tuple[str, int]:
        """What the student's code printed (first 64 KiB) and its full size."""
        log = self.workdir / "output.log"
        if not log.is_file() or log.is_symlink():
            return "", 0
        size = log.stat().st_size
        with log.open("rb") as f:
            text = f.read(OUTPUT_KEEP).decode("utf-8", errors="replace")
        return text, size

    def close(self) -> tuple[str, int]:
        """Stop the worker, return its output, remove its working folder.

        The worker is killed at once rather than asked to exit: it flushes
        what the student printed before each answer, so nothing is lost, and
        an interpreter's orderly exit costs 15-30 ms per grade."""
        if self._alive():
            self.leftovers = self._count_leftovers()
        self.kill()
        self._close_channels()
        output = self.output()
        shutil.rmtree(self.workdir, ignore_errors=True)
        return output


class ZygoteError(Exception):
    """The zygote did not answer, or answered that it could not do what was asked."""


#: How long the zygote may take to end a student's processes and empty the scratch folders.
CLEAN_SECONDS = 3.0


def _sandbox_pid(pid: int) -> int | None:
    """The number process ``pid`` (of this process's view) has in the
    sandbox's PID namespace, the one below ours (from /proc/PID/status)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("NSpid:"):
                    numbers = line.split()[1:]
                    return int(numbers[1]) if len(numbers) > 1 else None
    except (OSError, ValueError):
        pass
    return None


class Zygote:
    """A bubblewrap sandbox for a batch's grading process that imports numpy
    once and forks one worker per submission (worker.py's zygote: the
    worker's start, about 0.1 s of CPU, is paid once per process instead of
    once per grade).

    The submission is read from ``staging``, which bubblewrap binds itself:
    the process stages each submission into it, spawns, grades, and calls
    ``clean`` before the next one. ``clean`` has the zygote kill every
    process of the student's, empty /tmp and /work and remove System V IPC
    objects, then checks from outside that only the sandbox's init and the
    zygote are left and the two folders are empty. Any failure, or a zygote
    that does not answer in time, sets ``broken``: the sandbox is then of no
    further use and must be closed (a fresh one, or a worker of its own,
    grades the next submission).
    """

    isolation = "bwrap"

    def __init__(self, staging: Path, limits: Limits) -> None:
        self.limits = limits
        self.staging = staging
        self.broken: str | None = None
        self.ready = False
        self.workdir = Path(tempfile.mkdtemp(prefix="grader-zygote-", dir=_scratch.root()))
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = _launch(
                ["--zygote"], staging, limits, self.isolation, self.workdir / "zygote.log",
                stdin=theirs.fileno(), stdout=subprocess.DEVNULL,
            )  # fmt: skip
        except BaseException:
            ours.close()
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise
        finally:
            theirs.close()
        self.control = ours
        self.started = time.monotonic()

    def _ask(self, request: dict[str, Any], timeout: float, fds: tuple[int, ...] = ()) -> Any:
        if self.broken is not None:
            raise ZygoteError(self.broken)
        try:
            if not self.ready:
                wait = self.started + self.limits.start_seconds - time.monotonic()
                if self._receive(wait) != {"ready": True}:
                    raise ZygoteError("it did not start")
                self.ready = True
            data = json.dumps(request).encode()
            if fds:
                socket.send_fds(self.control, [data], list(fds))
            else:
                self.control.send(data)
            return self._receive(timeout)
        except (OSError, ValueError, ZygoteError) as exc:
            self.broken = f"the zygote failed ({exc or type(exc).__name__})"
            raise ZygoteError(self.broken) from exc

    def _receive(self, timeout: float) -> Any:
        ready, _, _ = select.select([self.control], [], [], max(timeout, 0.0))
        if not ready:
            raise ZygoteError("it did not answer in time")
        data = self.control.recv(4096)
        if not data:
            raise ZygoteError("it ended")
        return json.loads(data)

    def spawn(self) -> ZygoteWorker:
        """A worker forked for the submission now staged (ZygoteError if the zygote fails)."""
        workdir = Path(tempfile.mkdtemp(prefix="grader-work-", dir=_scratch.root()))
        requests_in, requests = os.pipe()
        answers, answers_out = os.pipe()
        log = os.open(workdir / "output.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        ours = (requests, answers)
        try:
            theirs = (requests_in, answers_out, log)
            try:
                reply = self._ask({"op": "spawn"}, self.limits.start_seconds, theirs)
            finally:
                for fd in theirs:
                    os.close(fd)
            if not isinstance(reply, dict) or not isinstance(reply.get("pid"), int):
                self.broken = f"the zygote could not start a worker: {reply}"
                raise ZygoteError(self.broken)
            # The new worker is not reaped before the zygote's next request,
            # so its number cannot have gone to another process yet.
            pid = next(
                (p for p in descendants(self.process.pid)[1:] if _sandbox_pid(p) == reply["pid"]),
                None,
            )
            if pid is None:
                self.broken = "the zygote's new worker was not found"
                raise ZygoteError(self.broken)
            handle = os.pidfd_open(pid)
        except BaseException:
            for fd in ours:
                os.close(fd)
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        return ZygoteWorker(self, reply["pid"], pid, handle, requests, answers, workdir)

    def status(self, sandbox_pid: int) -> int | None:
        """The wait status of a worker that ended; None when not known."""
        try:
            reply = self._ask({"op": "status", "pid": sandbox_pid}, CLEAN_SECONDS + 1)
        except ZygoteError:
            return None
        status = reply.get("status") if isinstance(reply, dict) else None
        return status if isinstance(status, int) else None

    def clean(self) -> bool:
        """End the last student's processes and empty the scratch folders, and
        check it from outside; False (and ``broken``) when that fails."""
        try:
            reply = self._ask({"op": "clean"}, CLEAN_SECONDS + 1)
        except ZygoteError:
            return False
        if not isinstance(reply, dict) or reply.get("clean") is not True:
            why = reply.get("why") if isinstance(reply, dict) else reply
            self.broken = f"the zygote could not clean the sandbox: {why}"
            return False
        running = [pid for pid in descendants(self.process.pid) if _running(pid)]
        zygote = [pid for pid in running if _sandbox_pid(pid) == 2]
        if len(running) != 3 or len(zygote) != 1:  # bwrap, its init, the zygote
            self.broken = f"{len(running) - 3} processes were left in the sandbox"
            return False
        for folder in ("tmp", "work"):
            try:
                left = os.listdir(f"/proc/{zygote[0]}/root/{folder}")
            except PermissionError:  # not root: the zygote's word stands
                continue
            except OSError as exc:
                self.broken = f"the sandbox's /{folder} could not be read: {exc}"
                return False
            if left:
                self.broken = f"{len(left)} files were left in the sandbox's /{folder}"
                return False
        return True

    def close(self) -> None:
        """Stop the sandbox and everything in it."""
        _stop(self.process)
        self.control.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


class ZygoteWorker(WorkerProcess):
    """A worker the zygote forked: talked to like any worker, its memory
    watched with the whole sandbox's, killed through a pidfd (its number
    cannot be reused under it)."""

    def __init__(
        self,
        zygote: Zygote,
        sandbox_pid: int,
        pid: int,
        handle: int,
        requests: int,
        answers: int,
        workdir: Path,
    ) -> None:
        self.limits = zygote.limits
        self.isolation = zygote.isolation
        self.zygote = zygote
        self.process = zygote.process  # the sandbox: its memory is watched as a whole
        self.sandbox_pid = sandbox_pid
        self.pid = pid
        self.handle = handle
        self.workdir = workdir
        self._ready(os.fdopen(requests, "wb"), answers)

    def _alive(self) -> bool:
        ended, _, _ = select.select([self.handle], [], [], 0)  # a pidfd reads when it ends
        return not ended

    def _exit_code(self) -> int | None:
        ended, _, _ = select.select([self.handle], [], [], 2)
        if not ended:
            return None
        status = self.zygote.status(self.sandbox_pid)
        return None if status is None else os.waitstatus_to_exitcode(status)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(self.handle, signal.SIGKILL)

    def _count_leftovers(self) -> tuple[int, int]:
        """Processes in the sandbox beside bwrap, its init, the zygote and
        this worker; threads of this worker beside its main thread."""
        running = [pid for pid in descendants(self.process.pid)[1:] if _running(pid)]
        others = [p for p in running if p != self.pid and _sandbox_pid(p) not in (1, 2)]
        try:
            threads = len(os.listdir(f"/proc/{self.pid}/task")) - 1
        except OSError:
            threads = 0
        return len(others), max(threads, 0)

    def _close_channels(self) -> None:
        with contextlib.suppress(OSError):
            self._requests.close()
        with contextlib.suppress(OSError):
            os.close(self._answers)
        with contextlib.suppress(OSError):
            os.close(self.handle)

"""The trusted side's handle on the student's code.

``StudentProxy`` forwards calls to the sandboxed worker and hands back plain
data (numbers, strings, lists, tuples, dictionaries, numpy arrays made
afresh from bytes). Whatever goes wrong on the student's side, an exception
in their code, a crash, an exit, a hang, an unreadable answer, arrives as a
``StudentError`` with a message for the student; the proxy starts a new
worker for the next call, so one bad function costs only its own checks.
Only a worker that dies or hangs while importing the package is not started
again: the import would do the same each time, and each attempt costs up to
``start_seconds`` (a grade has dozens of calls). Likewise a function (or
method) that did not answer within the time limit is not called again in the
same grade: every later call of it fails at once, saying why, instead of
costing another ``call_seconds`` each (a hanging dropout_forward cost four
deadlines, 40 s, a grade).
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .sandbox import affinity
from .sandbox.inprocess import InProcessWorker
from .sandbox.launcher import OUTPUT_KEEP, Limits, WorkerError, WorkerProcess, isolation_level
from .sandbox.protocol import Ref

MODULES = ("layers", "layer_utils", "optim", "classifiers.fc_net", "solver")


class StudentError(Exception):
    """The student's code did not give an answer the grader can use."""

    def __init__(self, kind: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.kind = kind  # raised | crashed | timeout | protocol | missing
        self.message = message
        self.detail = detail


@dataclass
class Handle:
    """An object living in the worker, such as a FullyConnectedNet."""

    proxy: StudentProxy
    number: int
    generation: int
    target: str

    def _alive(self) -> None:
        if self.generation != self.proxy.generation:
            raise StudentError(
                "crashed", f"the {self.target} object was lost when the worker restarted"
            )

    def _request(self, op: str, **fields: Any) -> Any:
        self._alive()
        return self.proxy.request({"op": op, "handle": self.number, **fields}, what=self.target)

    def ref(self) -> Ref:
        """This object, to pass as an argument of another call in the worker."""
        self._alive()
        return Ref(self.number)

    def method(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self._request("method", name=name, args=list(args), kwargs=kwargs)

    def get(self, name: str) -> Any:
        return self._request("getattr", name=name)

    def set(self, name: str, value: Any) -> None:
        self._request("setattr", name=name, value=value)

    def setitem(self, name: str, key: str, value: Any) -> None:
        self._request("setitem", name=name, key=key, value=value)


@dataclass
class StudentProxy:
    """Calls into one submission's code, in a sandbox."""

    root: Path
    limits: Limits = field(default_factory=Limits.from_env)
    isolation: str = field(default_factory=isolation_level)
    events: list[str] = field(default_factory=list)
    outputs: list[tuple[str, int]] = field(default_factory=list)
    generation: int = 0
    #: A worker started ahead (grade.run starts one while pytest sets up).
    prestarted: WorkerProcess | None = None
    _worker: WorkerProcess | InProcessWorker | None = None
    _imports: dict[str, Any] | None = None
    #: Why importing the package killed or hung the worker, once it has.
    _import_failed: StudentError | None = None
    #: The functions and methods that did not answer in time, by name.
    _hung: set[str] = field(default_factory=set)
    _closed: bool = False

    def _ensure_worker(self) -> WorkerProcess | InProcessWorker:
        if self._import_failed is not None:
            failed = self._import_failed  # a new exception: a raised one keeps its traceback
            raise StudentError(failed.kind, failed.message, failed.detail)
        if self._worker is None or self._worker.dead is not None:
            if self._worker is not None:
                self._close_worker(self._worker)
            if self.isolation == "none":  # measurement only: see sandbox/inprocess.py
                self._worker = InProcessWorker(self.root)
            elif self.prestarted is not None and self.generation == 0:
                self._worker, self.prestarted = self.prestarted, None
            else:
                self._worker = WorkerProcess(self.root, self.limits, self.isolation)
            self.generation += 1
            try:
                imports = self._worker.request(
                    {"op": "import", "modules": list(MODULES)}, timeout=self.limits.start_seconds
                )
            except WorkerError as failure:
                self.events.append(
                    f"importing the package: {failure.message}; the grader did not try again, "
                    "so every check that needs your code failed for this reason"
                )
                message = f"importing your cs231n package failed: {failure.message}"
                self._import_failed = StudentError(failure.kind, message)
                raise StudentError(failure.kind, message) from None
            if self._imports is None and isinstance(imports, dict):
                self._imports = imports.get("value")
            if isinstance(self._worker, WorkerProcess):  # started: now one CPU for both
                affinity.pin_with(self._worker.processes())
        return self._worker

    def import_errors(self) -> dict[str, dict[str, str]]:
        """Module -> the error importing it raised, for modules that failed."""
        try:
            self._ensure_worker()
        except StudentError as exc:
            return {name: {"type": exc.kind, "message": exc.message} for name in MODULES}
        status = self._imports if isinstance(self._imports, dict) else {}
        return {k: v for k, v in status.items() if isinstance(v, dict)}

    def _import_failure(self, module: str | None) -> str | None:
        """Why cs231n/<module>.py did not import, as a sentence, if it did not."""
        if module is None:
            return None
        error = self.import_errors().get(module)
        if error is None:
            return None
        path = "cs231n/" + module.replace(".", "/") + ".py"
        return (
            f"{path} could not be imported ({error.get('type')}: {error.get('message')}); "
            f"fix that first: every check that uses {path} fails until it imports"
        )

    def request(self, body: dict[str, Any], what: str, module: str | None = None) -> Any:
        callee = str(body.get("target") or f"{what}.{body.get('name')}")
        if callee in self._hung:
            raise StudentError(
                "timeout",
                f"{what}: not called again: it did not answer within the time limit "
                f"({self.limits.call_seconds:g} s) when called earlier in this grade, so every "
                "check that needs it scores 0 until the hang is fixed",
            )
        worker = self._ensure_worker()
        try:
            answer = worker.request(body)
        except WorkerError as failure:
            self.events.append(f"{what}: {failure.message}")
            if failure.kind == "timeout":
                self._hung.add(callee)
            raise StudentError(failure.kind, f"{what}: {failure.message}") from None
        if type(answer) is not dict or type(answer.get("ok")) is not bool:
            raise StudentError("protocol", f"{what}: the worker sent an unreadable answer")
        if not answer["ok"]:
            error = answer.get("error")
            error = error if isinstance(error, dict) else {}
            kind, message = str(error.get("type", "Error")), str(error.get("message", ""))
            detail = str(error.get("traceback", ""))
            if kind == "NotImplementedError":
                raise StudentError("missing", f"{what} is not implemented yet ({message})", detail)
            if kind == "AttributeError" and "has no attribute" in message:
                broken = self._import_failure(module)
                if broken is not None:
                    raise StudentError("missing", f"{what}: {broken}", detail)
                raise StudentError("missing", f"{what} is missing: {message}", detail)
            note = self._limit_note(kind, message)
            if note is not None:
                self.events.append(f"{what}: {note}")
                raise StudentError("raised", f"{what} raised {kind}: {message} ({note})", detail)
            raise StudentError("raised", f"{what} raised {kind}: {message}", detail)
        if "args" in answer:
            return answer.get("value"), answer["args"]
        return answer.get("value")

    def _limit_note(self, kind: str, message: str) -> str | None:
        """What limit of the sandbox an exception of the student's code met, if one."""
        limits = self.limits
        if kind == "MemoryError":
            return f"it ran out of memory: the sandbox allows {limits.memory_bytes // 1024**2} MiB"
        if f"[Errno {errno.EFBIG}]" in message:
            return (
                f"the sandbox allows {limits.file_bytes // 1024**2} MiB per file and of printed "
                "output, and that was reached"
            )
        if f"[Errno {errno.ENOSPC}]" in message and self.isolation == "bwrap":
            return (
                f"the sandbox's writable folders /work and /tmp hold "
                f"{limits.scratch_bytes // 1024**2} MiB each, and that was full"
            )
        if f"[Errno {errno.EPERM}]" in message and self.isolation == "bwrap":
            return (
                "the sandbox does not allow this operation (System V shared memory and memfd "
                "files, among others, are refused)"
            )
        if f"[Errno {errno.EMFILE}]" in message:
            return f"the sandbox allows {limits.open_files} open files, and that many were open"
        if (kind == "BlockingIOError" and f"[Errno {errno.EAGAIN}]" in message) or (
            "can't start new thread" in message
        ):
            return (
                f"starting a process or thread failed: the sandbox allows {limits.processes} "
                "processes and threads"
            )
        return None

    def call(self, target: str, *args: Any, return_args: bool = False, **kwargs: Any) -> Any:
        """Call ``cs231n.<target>(*args, **kwargs)`` in the worker."""
        body: dict[str, Any] = {
            "op": "call",
            "target": target,
            "args": list(args),
            "kwargs": kwargs,
        }
        if return_args:
            body["return_args"] = True
        module, _, name = target.rpartition(".")
        return self.request(body, what=name, module=module or None)

    def new(self, target: str, *args: Any, **kwargs: Any) -> Handle:
        """Make ``cs231n.<target>(*args, **kwargs)`` in the worker."""
        name = target.rsplit(".", 1)[-1]
        number = self.request(
            {"op": "new", "target": target, "args": list(args), "kwargs": kwargs},
            what=name,
            module=target.rpartition(".")[0] or None,
        )
        if type(number) is not int:
            raise StudentError("protocol", f"{name}: the worker sent an unreadable answer")
        return Handle(self, number, self.generation, name)

    def _close_worker(self, worker: WorkerProcess | InProcessWorker) -> None:
        """Close one worker, keep its output and say what it left running."""
        self.outputs.append(worker.close())
        processes, threads = getattr(worker, "leftovers", (0, 0))
        if processes:
            self.events.append(
                f"your code left {processes} process{'es' if processes > 1 else ''} running "
                "after its last answer (started with os.fork, subprocess or multiprocessing); "
                "the sandbox stopped them, and nothing they did reached the grade"
            )
        if threads:
            self.events.append(
                f"your code left {threads} thread{'s' if threads > 1 else ''} running after its "
                "last answer; the sandbox stopped them, and nothing they did after an answer "
                "reached the grade"
            )

    def close(self) -> None:
        if self.prestarted is not None:
            self.prestarted.close()
            self.prestarted = None
        if self._worker is not None:
            self._close_worker(self._worker)
            self._worker = None
        if self._closed:
            return
        self._closed = True
        _, total = self.printed()
        limit = self.limits.file_bytes
        if any(size >= limit for _, size in self.outputs):
            self.events.append(
                f"your code printed more than the sandbox's limit of {limit // 1024**2} MiB of "
                "output: printing stopped there (each later print failed with OSError: File too "
                f"large), and the report keeps the first {OUTPUT_KEEP // 1024} KiB"
            )
        elif total > OUTPUT_KEEP:
            self.events.append(
                f"your code printed {total:,} bytes; the report keeps the first "
                f"{OUTPUT_KEEP // 1024} KiB"
            )

    def printed(self) -> tuple[str, int]:
        """What the student's code printed across workers, and its total size."""
        text = "".join(t for t, _ in self.outputs)
        return text[:OUTPUT_KEEP], sum(n for _, n in self.outputs)

"""Turn what a student handed in into a folder the sandbox can read.

Accepted: a folder that holds a ``cs231n/`` package (at its top or one level
down), or a zip of one, such as the course's submission zip. Only the
package's ``.py`` files and the notebooks are copied into a fresh staging
folder: never a symlink, never a path that leaves the folder, never more than
the size limits below.

Where feasible, less is graded too: a single module file (``layers.py``,
``optim.py``, ``layer_utils.py``, ``fc_net.py``), a folder or zip of such
loose files, or notebooks (see grader._notebook_export). The rest of the
package is then the unfinished student template (grader._overlay), and a
warning says so.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from . import flavours
from ._notebook_export import export, nothing_found
from ._overlay import ACCEPTED, MODULES, module_for, overlay_warning, template_files
from .errors import SubmissionError

MAX_FILES = 500
MAX_FILE_BYTES = 20 * 1024**2
MAX_TOTAL_BYTES = 100 * 1024**2


@dataclass(frozen=True)
class Submission:
    """A staged submission: ``root/cs231n/`` is the student's package, completed
    from the student template when only part of it was handed in (``warnings``
    then says which files are the student's). In the class flavour (see
    grader.flavours) the student's package is ``root/common/`` and
    ``root/cs231n/`` the grader's adapter."""

    source: Path
    root: Path
    files: tuple[str, ...]
    notebooks: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    flavour: str = flavours.FUNCTIONS


def _wanted(parts: tuple[str, ...]) -> bool:
    """Package sources and notebooks; no caches, no hidden files."""
    if any(part.startswith(".") or part == "__pycache__" for part in parts):
        return False
    return parts[-1].endswith((".py", ".ipynb"))


def _package_prefix(names: list[tuple[str, ...]]) -> tuple[str, ...] | None:
    """The path parts above ``cs231n/``: () or one folder; None if there is none."""
    prefixes = sorted(
        {n[: n.index("cs231n")] for n in names if "cs231n" in n[:-1] and n.index("cs231n") <= 1}
    )
    return prefixes[0] if prefixes else None


def _loose_prefix(names: list[tuple[str, ...]]) -> tuple[str, ...] | None:
    """The folder (() or one folder) holding loose module files such as layers.py."""
    prefixes = sorted(
        {n[:depth] for n in names for depth in (0, 1) if module_for(n[depth:])},
        key=lambda p: (len(p), p),
    )
    return prefixes[0] if prefixes else None


def _no_package(source: Path, notebooks: bool = False) -> SubmissionError:
    also = (
        " Its notebooks hold no %%writefile cells or definitions of the assignment's "
        "functions either."
        if notebooks
        else ""
    )
    return SubmissionError(
        f"{source}: no cs231n/ package found.{also} A submission is a folder or zip "
        "holding the cs231n/ folder of the assignment (cs231n/layers.py, "
        "cs231n/optim.py, ...); check that you zipped the right folder."
    )


#: The files students write; every other file of the package is given to them
#: complete (layer_utils.py too, though a student may add to it), so a missing
#: one is taken from the template.
STUDENT_WRITTEN = frozenset({"cs231n/layers.py", "cs231n/optim.py", "cs231n/classifiers/fc_net.py"})


def _write(staging: Path, rel: tuple[str, ...], content: bytes) -> None:
    target = staging.joinpath(*rel)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)


def _finish(staging: Path) -> None:
    for folder in [p for p in staging.rglob("*") if p.is_dir()] + [staging]:
        folder.chmod(0o755)
    for file in staging.rglob("*"):
        if file.is_file():
            file.chmod(0o644)


def _stage(files: dict[tuple[str, ...], bytes], staging: Path, source: Path) -> Submission:
    if flavours.detect(files) == flavours.CLASSES:
        staged = flavours.stage(files, staging, source)
        return Submission(
            source, staging, staged.files, staged.notebooks, staged.warnings, flavours.CLASSES
        )
    prefix = _package_prefix(list(files))
    if prefix is None:
        return _stage_overlay(files, staging, source)
    written, notebooks, warnings = [], [], []
    for parts, content in sorted(files.items()):
        if parts[: len(prefix)] != prefix:
            warnings.append(f"ignored {'/'.join(parts)}: outside the submission's folder")
            continue
        rel = parts[len(prefix) :]
        if rel[0] != "cs231n" and not rel[-1].endswith(".ipynb"):
            continue
        _write(staging, rel, content)
        written.append("/".join(rel))
        if rel[-1].endswith(".ipynb"):
            notebooks.append("/".join(rel))
    given = [
        path
        for path in template_files()
        if path not in STUDENT_WRITTEN and not staging.joinpath(path).is_file()
    ]
    for path in given:
        _write(staging, tuple(path.split("/")), template_files()[path])
    if given:
        warnings.append(
            f"{', '.join(given)} {'was' if len(given) == 1 else 'were'} missing from the "
            "submission; the copies every student receives complete were used"
        )
    _finish(staging)
    return Submission(source, staging, tuple(written), tuple(notebooks), tuple(warnings))


def _stage_overlay(files: dict[tuple[str, ...], bytes], staging: Path, source: Path) -> Submission:
    """No cs231n/ package: the template with loose module files, or with what
    the notebooks hold, laid over it."""
    prefix = _loose_prefix(list(files))
    notebooks = {n: c for n, c in files.items() if n[-1].endswith(".ipynb")}
    student: dict[str, bytes] = {}
    warnings: list[str] = []
    if prefix is not None:
        taken, ignored = [], []
        for parts, content in sorted(files.items()):
            module = module_for(parts[len(prefix) :]) if parts[: len(prefix)] == prefix else None
            if module is not None:
                student[module] = content
                taken.append(f"{module} is your {'/'.join(parts)}")
            elif parts[-1].endswith(".py"):
                ignored.append("/".join(parts))
        warnings.append(overlay_warning(taken))
        if ignored:
            more = f" and {len(ignored) - 5} more" if len(ignored) > 5 else ""
            warnings.append(
                f"ignored {', '.join(ignored[:5])}{more}: without a cs231n/ folder only "
                f"{ACCEPTED} are taken"
            )
    elif notebooks:
        found = export([("/".join(n), c) for n, c in sorted(notebooks.items())])
        if not found.modules:
            single = source.is_file() and source.suffix == ".ipynb"
            raise nothing_found(source) if single else _no_package(source, notebooks=True)
        student = {module: text.encode() for module, text in found.modules.items()}
        warnings = [overlay_warning(found.taken), *found.warnings]
    else:
        raise _no_package(source)
    for path, content in {**template_files(), **student}.items():
        _write(staging, tuple(path.split("/")), content)
    staged = []
    for parts, content in sorted(notebooks.items()):
        if prefix is None or parts[: len(prefix)] == prefix:
            _write(staging, parts[len(prefix or ()) :], content)
            staged.append("/".join(parts[len(prefix or ()) :]))
    _finish(staging)
    written = tuple(sorted({**template_files(), **student})) + tuple(staged)
    return Submission(source, staging, written, tuple(staged), tuple(warnings))


def _read_single(source: Path) -> dict[tuple[str, ...], bytes]:
    """One handed-in file: a module of the package or a notebook."""
    if source.suffix == ".py" and source.name not in MODULES:
        raise SubmissionError(
            f"{source}: a single .py file is graded only if it is one of the package's "
            f"modules: {ACCEPTED} (for cs231n/classifiers/fc_net.py). Rename it to the "
            "module it holds, or submit the zip of your assignment folder."
        )
    try:
        size = source.stat().st_size
        _check_sizes(1, size, source)
        if size > MAX_FILE_BYTES:
            raise SubmissionError(
                f"{source}: the file is too large to grade ({size // 1024**2} MiB, at most "
                f"{MAX_FILE_BYTES // 1024**2} MiB). Clear a notebook's outputs before "
                "saving it, or submit the zip of your assignment folder's code."
            )
        return {(source.name,): source.read_bytes()}
    except OSError as exc:
        raise SubmissionError(f"{source}: cannot be read ({exc.strerror}).") from None


def _check_sizes(count: int, total: int, source: Path) -> None:
    if count > MAX_FILES or total > MAX_TOTAL_BYTES:
        raise SubmissionError(
            f"{source}: {count} files, {total // 1024**2} MiB: more than a submission "
            f"may hold ({MAX_FILES} files, {MAX_TOTAL_BYTES // 1024**2} MiB). Remove "
            "data sets and checkpoints and submit only the code and notebooks."
        )


def _read_zip(source: Path) -> dict[tuple[str, ...], bytes]:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(
            f"{source}: not a readable zip file ({exc}). Re-create the zip and submit again."
        ) from None
    files: dict[tuple[str, ...], bytes] = {}
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        _check_sizes(len(infos), sum(i.file_size for i in infos), source)
        for info in infos:
            path = PurePosixPath(info.filename.replace("\\", "/"))
            if path.is_absolute() or ".." in path.parts:
                raise SubmissionError(
                    f"{source}: the zip entry {info.filename!r} points outside the "
                    "archive's folder (a 'zip slip'); the submission was not unpacked. "
                    "Re-create the zip from your assignment folder."
                )
            if stat.S_ISLNK(info.external_attr >> 16):
                continue  # a symlink in the zip is never followed
            if _wanted(path.parts):
                if info.file_size > MAX_FILE_BYTES:
                    raise SubmissionError(f"{source}: {info.filename} is too large to grade")
                try:
                    files[path.parts] = archive.read(info)
                except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
                    raise SubmissionError(
                        f"{source}: {info.filename} cannot be read from the zip ({exc})."
                    ) from None
    return files


def _read_folder(source: Path) -> dict[tuple[str, ...], bytes]:
    files: dict[tuple[str, ...], bytes] = {}
    paths = [p for p in source.rglob("*") if p.is_file() and not p.is_symlink()]
    paths = [p for p in paths if _wanted(p.relative_to(source).parts)]
    _check_sizes(len(paths), sum(p.stat().st_size for p in paths), source)
    for path in paths:
        if any(parent.is_symlink() for parent in path.relative_to(source).parents):
            continue
        try:
            files[path.relative_to(source).parts] = path.read_bytes()
        except OSError as exc:
            raise SubmissionError(f"{path}: cannot be read ({exc.strerror}).") from None
    return files


def read_files(path: Path) -> dict[tuple[str, ...], bytes]:
    """The files of the submission at ``path`` that grading reads (modules and
    notebooks), by their path parts. Nothing is written or run."""
    source = Path(path)
    if not source.exists():
        raise SubmissionError(
            f"{source}: no such file or folder. Give the path of a submission zip, "
            "of a folder holding cs231n/, of a module such as layers.py or of a notebook."
        )
    if not source.is_dir() and not source.is_file():
        # A pipe would block the first read for ever; a device is no submission.
        raise SubmissionError(
            f"{source}: not a regular file or folder (a pipe, a device or a socket). Give "
            "the path of a submission zip, of a folder holding cs231n/, of a module or of a "
            "notebook."
        )
    if source.is_dir():
        files = _read_folder(source)
    elif source.suffix in (".py", ".ipynb"):
        files = _read_single(source)
    elif zipfile.is_zipfile(source):
        files = _read_zip(source)
    else:
        raise SubmissionError(
            f"{source}: neither a folder nor a zip file, nor a module (.py) or notebook "
            "(.ipynb). Submit the zip made from your assignment folder, or the folder itself."
        )
    if not files:
        raise SubmissionError(
            f"{source}: holds no .py files or notebooks. Submit the assignment "
            "folder with its cs231n/ package." + _zips_inside(source)
        )
    return files


def _zips_inside(folder: Path) -> str:
    """For a folder with no code: what to do with the zips it holds, if any
    (a class folder given to ``grade``, or a submission zipped one level too deep)."""
    try:
        zips = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".zip" and p.is_file())
    except OSError:
        return ""
    if not zips:
        return ""
    if len(zips) == 1:
        return f" It holds one zip: to grade it, give its path, {zips[0]}."
    return (
        f" It holds {len(zips)} zip files: to grade each as a student's submission, run "
        f"`python -m grader batch {folder} --out OUT` (or `make grade-all SUBMISSIONS={folder}`)."
    )


def stage_files(files: dict[tuple[str, ...], bytes], staging: Path, source: Path) -> Submission:
    """Stage files read by ``read_files`` (from ``source``) into the empty folder ``staging``."""
    staging.mkdir(parents=True, exist_ok=True)
    try:
        return _stage(files, staging, source)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def open_submission(path: Path, staging: Path) -> Submission:
    """Stage the submission at ``path`` into the empty folder ``staging``."""
    return stage_files(read_files(path), staging, Path(path))

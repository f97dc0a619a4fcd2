"""Uploaded archives and folders that reach outside themselves: zip slips,
absolute paths, symbolic links, a zip bomb."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from . import Attack, Context

if TYPE_CHECKING:
    from tests.hostile.runner import GroupRun

TITLE = "Archives and folders that reach outside"


def reference_files() -> dict[str, bytes]:
    """The reference package as a student hands it in: cs231n/... -> content."""
    from grader import REPO_ROOT

    package = REPO_ROOT / "reference" / "cs231n"
    return {
        f"cs231n/{path.relative_to(package).as_posix()}": path.read_bytes()
        for path in sorted(package.rglob("*.py"))
    }


def _zip(path: Path, files: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def _slip_name(ctx: Context) -> str:
    """An entry name that, unpacked naively anywhere under /tmp, lands on ctx.create."""
    return "../" * 24 + str(ctx.create).lstrip("/")


def zip_slip(folder: Path, ctx: Context) -> Path:
    files = reference_files()
    files[_slip_name(ctx)] = b"HACKED by a zip slip"
    return _zip(folder / "slip.zip", files)


def zip_absolute(folder: Path, ctx: Context) -> Path:
    files = reference_files()
    files[str(ctx.create)] = b"HACKED by an absolute path"
    return _zip(folder / "absolute.zip", files)


def zip_links(folder: Path, ctx: Context) -> Path:
    files = reference_files()
    del files["cs231n/layers.py"], files["cs231n/optim.py"]
    links = {"cs231n/layers.py": str(ctx.reference), "cs231n/optim.py": "/etc/passwd"}
    return _zip(folder / "links.zip", files, links)


def folder_links(folder: Path, ctx: Context) -> Path:
    root = folder / "linked"
    for name, content in reference_files().items():
        if name == "cs231n/layers.py" or name.startswith("cs231n/classifiers/"):
            continue
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    (root / "cs231n" / "layers.py").symlink_to(ctx.reference)
    (root / "cs231n" / "classifiers").symlink_to(ctx.reference.parent / "classifiers")
    return root


def zip_bomb(folder: Path, ctx: Context) -> Path:
    files = reference_files()
    files["cs231n/data.py"] = b"#" * (120 * 1024**2)  # 120 MiB, about 120 KiB zipped
    return _zip(folder / "bomb.zip", files)


def unpack_naively(archive: Path, folder: Path) -> None:
    """What a careless grader does: join each entry's name to the folder."""
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            target = os.path.join(folder, info.filename)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(z.read(info))


def _links_in_zip(run: GroupRun, attack: Attack) -> None:
    """The zip really holds the two links, and their targets were never read."""
    with zipfile.ZipFile(run.submission) as z:
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
    assert stat.S_ISLNK(modes["cs231n/layers.py"]) and stat.S_ISLNK(modes["cs231n/optim.py"])


def _links_in_folder(run: GroupRun, attack: Attack) -> None:
    layers = run.submission / "cs231n" / "layers.py"
    assert layers.is_symlink() and layers.resolve() == run.context.reference.resolve()


ATTACKS = (
    Attack(
        name="zip-slip",
        tries="a zip entry named ../../(...)/path, which a grader unpacking it naively "
        "writes outside its folder (here: a file beside the sentinel)",
        defence="the zip is read in memory, never unpacked; an entry with .. or an "
        "absolute path refuses the whole submission before any code runs",
        shows="no grade: the submission is refused ('a zip slip'); the CLI exits 3 with a "
        "report of every check at 0; nothing written",
        archive=zip_slip,
        rejected=r"points outside the archive's folder \(a 'zip slip'\)",
        unsandboxed=True,
    ),
    Attack(
        name="zip-absolute-path",
        tries="a zip entry with an absolute path (the host file to create)",
        defence="refused like a zip slip",
        shows="no grade: the submission is refused; nothing written",
        archive=zip_absolute,
        rejected=r"points outside the archive's folder",
    ),
    Attack(
        name="zip-symlinks",
        tries="a zip whose cs231n/layers.py is a symbolic link to the reference's layers.py "
        "and whose optim.py links to /etc/passwd",
        defence="a symbolic link in a zip is never followed or staged: the two files are missing",
        shows="every targeted check worth 0: 'cs231n/layers.py could not be imported "
        "(ModuleNotFoundError ...)'",
        archive=zip_links,
        keyword="dropout_forward",
        ran=r"could not be imported \(ModuleNotFoundError",
        contained=r"No module named 'cs231n\.layers'",
        extra=_links_in_zip,
    ),
    Attack(
        name="folder-symlinks",
        tries="a submission folder whose cs231n/layers.py is a symbolic link to the "
        "reference and whose classifiers/ links to the reference's, for a grader that "
        "copies what it finds",
        defence="staging copies regular files only and does not descend into linked folders",
        shows="every targeted check worth 0: layers.py is missing",
        archive=folder_links,
        keyword="dropout_forward",
        ran=r"could not be imported \(ModuleNotFoundError",
        contained=r"No module named 'cs231n\.layers'",
        extra=_links_in_folder,
    ),
    Attack(
        name="zip-bomb",
        tries="a zip of 120 MiB that compresses to about 120 KiB, to fill the grader's "
        "memory or disk when read",
        defence="the sizes the zip declares are checked against 100 MiB before anything is read",
        shows="no grade: the submission is refused ('more than a submission may hold')",
        archive=zip_bomb,
        rejected=r"more than a submission may hold",
    ),
)

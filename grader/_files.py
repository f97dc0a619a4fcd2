"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import contextlib
import io
import os
import stat
import zipfile
from collections.abc import Mapping
from pathlib import Path

#: The time of every member of the zips the grader builds.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` (or bytes) to ``path`` through a temporary file in the
    same folder and a rename: ``path`` holds either its old content or all
    of the new. On failure (a full disk, say) the temporary file is removed
    and the OSError raised."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("wb") as f:
            f.write(text.encode("utf-8") if isinstance(text, str) else text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def reproducible_zip(members: Mapping[str, tuple[bytes, int]]) -> bytes:
    """A zip of ``members`` (name -> (content, file mode)), deflated, in name
    order, every member dated ZIP_TIME: the same members give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(members):
            content, mode = members[name]
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()

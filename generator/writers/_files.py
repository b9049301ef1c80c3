"""File plumbing shared by writers: atomic writes and reproducible zip containers."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: never half-written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def reproducible_zip(data: bytes, date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """Rewrite a zip (DOCX/XLSX) with fixed entry times and order kept: same input, same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    return zip_entries(((info.filename, source.read(info.filename)) for info in source.infolist()), date_time)


def zip_entries(entries, date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """A zip of ``entries`` (``(name, bytes)`` in order), each deflated, dated ``date_time`` and readable by all
    (mode 644): the same entries give the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, blob in entries:
            entry = zipfile.ZipInfo(name, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, blob)
    return out.getvalue()


def zip_time(document) -> tuple[int, int, int, int, int, int]:
    """The document's date as a ZIP entry time ``(year, month, day, hour, minute, second)`` (years before 1980,
    which ZIP cannot store, become 1980): every entry of a DOCX/XLSX gets it, so the bytes are reproducible."""
    d = document.date
    return (max(d.year, 1980), d.month, d.day, d.hour, d.minute, d.second)

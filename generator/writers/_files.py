"""File plumbing shared by writers: atomic writes and reproducible zip containers."""

from __future__ import annotations

import io
import os
import struct
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


def redate_zip(data: bytes, date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """``data`` (a zip) with every entry dated ``date_time`` and readable by all (mode 644), as
    :func:`reproducible_zip` makes it, without inflating and deflating every entry again: the time and date
    fields of each local and central header (PKWARE APPNOTE 4.3.7, 4.3.12, 4.4.6) and the central mode are
    rewritten in place. A zip this does not handle (data descriptors, ZIP64, extra fields, stored entries,
    repeated names, an archive comment, a date a ZIP header cannot hold) goes through :func:`reproducible_zip`.
    On XlsxWriter's workbooks the bytes are those of :func:`reproducible_zip` (tested), in a twentieth of its time."""
    year, month, day, hour, minute, second = date_time
    archive = zipfile.ZipFile(io.BytesIO(data))
    infos = archive.infolist()
    if len({info.filename for info in infos}) != len(infos) or archive.comment or not 1980 <= year <= 2107:
        return reproducible_zip(data, date_time)
    stamp = struct.pack("<HH", (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day)
    out, central = bytearray(data), archive.start_dir
    for info in infos:
        local = info.header_offset
        if (info.flag_bits & 0x08 or info.extra or info.compress_type != zipfile.ZIP_DEFLATED
                or max(info.file_size, info.compress_size, local) >= 0xFFFFFFFF
                or out[local:local + 4] != b"PK\x03\x04" or out[central:central + 4] != b"PK\x01\x02"):
            return reproducible_zip(data, date_time)
        out[local + 10:local + 14] = stamp
        out[central + 12:central + 16] = stamp
        struct.pack_into("<I", out, central + 38, 0o644 << 16)
        name, extra, comment = struct.unpack_from("<HHH", out, central + 28)
        central += 46 + name + extra + comment
    return bytes(out)


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
    """The document's date as a ZIP entry time (:func:`zip_date_time`): every entry of a DOCX/XLSX gets it, so the
    bytes are reproducible."""
    return zip_date_time(document.date)


def zip_date_time(when) -> tuple[int, int, int, int, int, int]:
    """A ``date`` or ``datetime`` as a ZIP entry time ``(year, month, day, hour, minute, second)``, midnight for a
    date; years before 1980, which ZIP cannot store, become 1980."""
    return (max(when.year, 1980), when.month, when.day, getattr(when, "hour", 0), getattr(when, "minute", 0),
            getattr(when, "second", 0))

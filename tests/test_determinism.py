"""Same document, same bytes: DOCX, XLSX and PDF (both engines)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import time
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import NOTICE, ROOT, make_document, pdf_pages_text, pdf_reader
from generator import writers

FORMATS = [("docx", {}), ("xlsx", {}), ("pdf", {"pdf_engine": "typst"}), ("pdf", {"pdf_engine": "weasyprint"})]
IDS = ["docx", "xlsx", "pdf-typst", "pdf-weasyprint"]
DOC_TIME = (2021, 8, 30, 12, 0, 0)


def render(tmp_path: Path, name: str, fmt: str, options: dict, document=None) -> bytes:
    document = document or make_document(notice=NOTICE)
    return writers.write(document, tmp_path / name, fmt, **options).read_bytes()


@pytest.mark.parametrize("fmt, options", FORMATS, ids=IDS)
def test_same_document_same_bytes(tmp_path, monkeypatch, fmt, options):
    # the clock is held still here so that a second boundary between the two renders cannot
    # make this flaky; the clock is tested on its own in test_same_bytes_at_another_time
    frozen = time.time()
    monkeypatch.setattr(time, "time", lambda: frozen)
    first = render(tmp_path, f"a.{fmt}", fmt, options)
    second = render(tmp_path, f"other-name.{fmt}", fmt, options, document=make_document(notice=NOTICE))
    assert len(first) > 1000
    assert first == second
    if fmt == "pdf":
        assert "15 736 027,0" in pdf_pages_text(first)[0]


@pytest.mark.parametrize("fmt, options", FORMATS, ids=IDS)
def test_content_change_changes_bytes(tmp_path, fmt, options):
    """The equality above is not vacuous: one changed figure gives different bytes."""
    doc = make_document(notice=NOTICE)
    changed = make_document(notice=NOTICE)
    # block 2's "всего" for 2022 (printed as in the act, in no declared sum: a changed part of a declared
    # sum would no longer give its printed total, which the XLSX writer refuses)
    cell = changed.sections[0].blocks[-1].body[3].cells[6]
    cell.value = cell.value + 1
    assert render(tmp_path, f"a.{fmt}", fmt, options, doc) != render(tmp_path, f"b.{fmt}", fmt, options, changed)


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_zip_entries_have_fixed_timestamps(tmp_path, fmt):
    data = render(tmp_path, f"a.{fmt}", fmt, {})
    archive = zipfile.ZipFile(io.BytesIO(data))
    infos = archive.infolist()
    assert len(infos) >= 5
    assert {info.date_time for info in infos} == {DOC_TIME}
    assert {info.external_attr >> 16 for info in infos} == {0o644}
    assert {info.compress_type for info in infos} == {zipfile.ZIP_DEFLATED}
    assert archive.testzip() is None
    names = [info.filename for info in infos]
    assert "[Content_Types].xml" in names and len(names) == len(set(names))
    core = archive.read("docProps/core.xml").decode("utf-8")
    stamps = re.findall(r"<dcterms:(created|modified)[^>]*>([^<]*)<", core)
    assert dict(stamps) == {"created": "2021-08-30T12:00:00Z", "modified": "2021-08-30T12:00:00Z"}


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_zip_timestamps_follow_the_document_date(tmp_path, fmt):
    doc = make_document()
    doc.date = dt.datetime(2019, 4, 22, 9, 30, 0)
    archive = zipfile.ZipFile(io.BytesIO(render(tmp_path, f"a.{fmt}", fmt, {}, doc)))
    assert {info.date_time for info in archive.infolist()} == {(2019, 4, 22, 9, 30, 0)}
    # dates before the zip epoch are clamped to 1980, not rejected
    doc.date = dt.datetime(1970, 1, 1)
    archive = zipfile.ZipFile(io.BytesIO(render(tmp_path, f"b.{fmt}", fmt, {}, doc)))
    assert {info.date_time[0] for info in archive.infolist()} == {1980}


@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
def test_pdf_carries_no_wall_clock_date(tmp_path, engine):
    data = render(tmp_path, "a.pdf", "pdf", {"pdf_engine": engine})
    info = pdf_reader(data).metadata or {}
    for key in ("/CreationDate", "/ModDate"):
        value = str(info.get(key, ""))
        assert value == "" or value.startswith("D:20210830"), (key, value)
    today = dt.date.today().strftime("%Y%m%d")
    assert f"D:{today}".encode() not in data or today == "20210830"


@pytest.mark.parametrize("fmt, options", [
    *FORMATS[:3], ("pdf", {"pdf_engine": "weasyprint"})], ids=IDS)
def test_same_bytes_at_another_time(tmp_path, monkeypatch, fmt, options):
    """Rendering later (the clock moved on by a year) gives the same bytes."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    now = render(tmp_path, f"now.{fmt}", fmt, options)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 366 * 86400)
    later = render(tmp_path, f"later.{fmt}", fmt, options)
    assert now == later


CHILD = r"""
import hashlib, json, sys
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/tests"]
from conftest import NOTICE, make_document
from generator import writers
out = {}
doc = make_document(300, notice=NOTICE)
for name, fmt, options in [("docx", "docx", {}), ("xlsx", "xlsx", {}),
                           ("typst", "pdf", {"pdf_engine": "typst"})]:
    path = writers.write(doc, sys.argv[2] + "/" + name + "." + fmt, fmt, **options)
    out[name] = hashlib.sha256(path.read_bytes()).hexdigest()
print(json.dumps(out))
"""


def test_same_bytes_across_processes_and_hash_seeds(tmp_path):
    """Two fresh interpreters with different hash seeds (set/dict order) give identical files.

    (WeasyPrint is left out here: it differs between processes for the clock reason above.)"""
    results = []
    for seed in ("1", "4242"):
        folder = tmp_path / seed
        folder.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(folder)], env=env,
                              capture_output=True, text=True, timeout=120, check=True)
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert set(results[0]) == {"docx", "xlsx", "typst"}
    assert results[0] == results[1]
    doc = make_document(300, notice=NOTICE)
    here = {name: hashlib.sha256(render(tmp_path, f"here.{fmt}", fmt, options, doc)).hexdigest()
            for name, (fmt, options) in zip(("docx", "xlsx", "typst"), FORMATS)}
    assert here == results[0]


def test_redating_a_workbook_in_place_gives_the_bytes_of_rewriting_it(monkeypatch):
    """XLSX entry times are set in the zip's headers (no inflating and deflating every part again): the bytes are
    those :func:`reproducible_zip` gives by rewriting the archive, and zipfile reads every entry back whole, with
    the document's date and mode 644. A zip the in-place path does not handle (a data descriptor, an extra
    field, a stored entry) is rewritten instead, to the same result."""
    from generator.writers import _files, xlsxbase
    buffer = io.BytesIO()
    workbook = xlsxbase.new_workbook(buffer)
    sheet = workbook.add_worksheet("Лист")
    for r in range(50):
        sheet.write_string(r, 0, f"строка {r}")
        sheet.write_number(r, 1, r * 1.5)
    workbook.close()
    raw, when = buffer.getvalue(), (2021, 8, 30, 12, 0, 0)
    expected = _files.reproducible_zip(raw, when)
    with monkeypatch.context() as patched:
        patched.setattr(_files, "reproducible_zip", lambda *a: pytest.fail("rewritten instead of redated"))
        redated = _files.redate_zip(raw, when)
    assert redated == expected
    archive = zipfile.ZipFile(io.BytesIO(redated))
    assert archive.testzip() is None
    assert {(i.date_time, i.external_attr >> 16) for i in archive.infolist()} == {(when, 0o644)}
    source = zipfile.ZipFile(io.BytesIO(raw))
    assert [(i.filename, archive.read(i)) for i in archive.infolist()] == \
        [(i.filename, source.read(i)) for i in source.infolist()]

    odd = io.BytesIO()
    with zipfile.ZipFile(odd, "w") as writer:
        writer.writestr(zipfile.ZipInfo("stored.xml", (1980, 1, 1, 0, 0, 0)), b"<a/>")       # not deflated
        with writer.open(zipfile.ZipInfo("streamed.xml", (1980, 1, 1, 0, 0, 0)), "w") as entry:
            entry.write(b"<b/>" * 100)
        extra = zipfile.ZipInfo("extra.xml", (1980, 1, 1, 0, 0, 0))
        extra.compress_type, extra.extra = zipfile.ZIP_DEFLATED, b"\xfe\xca\x00\x00"
        writer.writestr(extra, b"<c/>")
    assert _files.redate_zip(odd.getvalue(), when) == _files.reproducible_zip(odd.getvalue(), when)
    commented = io.BytesIO(raw)
    with zipfile.ZipFile(commented, "a") as writer:
        writer.comment = b"a comment the rewrite drops"
    assert _files.redate_zip(commented.getvalue(), when) == _files.reproducible_zip(commented.getvalue(), when)
    with pytest.raises(ValueError):          # what the rewrite says of a year a ZIP header cannot hold
        _files.redate_zip(raw, (1979, 12, 31, 0, 0, 0))

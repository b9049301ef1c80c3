"""Issue 19, points 3 and 5: limits before work (stat, zip directory, streaming XML counts) and a durable
registry (private archive fsynced before the commit, damaged copies rewritten, Russian messages for full or
read-only disks with nothing half-recorded)."""

from __future__ import annotations

import datetime as dt
import errno
import io
import os
import re
import sqlite3
import stat
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import rezip

from generator.cli import main
from generator.quarterly import registry as registry_module
from generator.quarterly import xlsxread
from generator.quarterly.forms import generate
from generator.quarterly.intake import import_bytes, import_path
from generator.quarterly.registry import Registry, RegistryError

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data" / "social-support-vologda"
RECEIVED = dt.date(2021, 4, 5)
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
GOOD = {"C11": 100000.0, "D11": 80000.0, "C12": 10000.0, "D12": 8000.0}   # passes Q01-Q04 for babaevsky


@pytest.fixture(scope="module")
def form(data) -> bytes:
    from openpyxl import load_workbook
    blank = generate(data.form_of("camps"), data.subsidies["camps"], data.municipalities["babaevsky"],
                     data.agreement("camps", "babaevsky", 2021), 2021, 1, sample=True)
    wb = load_workbook(io.BytesIO(blank))
    for ref, value in GOOD.items():
        wb["Отчет"][ref] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sheet(content: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode("utf-8")


@pytest.fixture
def no_openpyxl(monkeypatch):
    """Fail the test if the workbook is handed to openpyxl."""
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl was given a file the limits should have refused")
    monkeypatch.setattr(xlsxread, "_Reader", refuse)


# --- limits before work -------------------------------------------------------------------------------------------


def test_millions_of_empty_elements_are_refused_by_the_streaming_count(data, registry, form, no_openpyxl):
    xml = sheet(form).replace("</sheetData>", "</sheetData><extLst>" + "<ext/>" * 1_200_000 + "</extLst>", 1)
    bomb = rezip(form, {"xl/worksheets/sheet1.xml": xml.encode()})
    assert len(bomb) < 200_000                           # small on disk, millions of elements inside
    start = time.perf_counter()
    result = import_bytes(bomb, "bomb.xlsx", data, registry, RECEIVED)
    assert time.perf_counter() - start < 10
    assert [p.code for p in result.problems] == ["FILE"]
    assert f"больше {xlsxread.MAX_ELEMENTS} элементов XML (часть xl/worksheets/sheet1.xml)" in result.problems[0].message
    assert result.submission.stored_as == ""


def test_cells_written_with_a_namespace_prefix_are_counted(data, registry, form, no_openpyxl):
    rows = "".join(f'<x:row r="{r}">' + "".join(f'<x:c r="{c}{r}"><x:v>1</x:v></x:c>' for c in "FGHIJKLMNO")
                   + "</x:row>" for r in range(30, 30 + 21_000))
    xml = sheet(form).replace("<worksheet ", f'<worksheet xmlns:x="{MAIN_NS}" ', 1).replace("</sheetData>",
                                                                                         rows + "</sheetData>", 1)
    result = import_bytes(rezip(form, {"xl/worksheets/sheet1.xml": xml.encode()}), "p.xlsx", data, registry, RECEIVED)
    assert [p.code for p in result.problems] == ["STRUCTURE"]
    assert re.fullmatch(r"лист объявляет не менее \d+ строк и 15 столбцов: форма изменена",
                        result.problems[0].message)


def test_dtd_is_refused_before_parsing(data, registry, form, no_openpyxl):
    xml = sheet(form).replace("<worksheet", '<!DOCTYPE worksheet [<!ENTITY a "x">]><worksheet', 1)
    result = import_bytes(rezip(form, {"xl/worksheets/sheet1.xml": xml.encode()}), "d.xlsx", data, registry,
                          RECEIVED)
    assert [p.code for p in result.problems] == ["FILE"] and "DTD" in result.problems[0].message


def test_zip_entry_of_an_unknown_zip_version_is_a_file_refusal(data, registry, form):
    """Found by the mutation tests: the central directory's "version needed" raised NotImplementedError
    from zipfile.ZipFile() itself."""
    buf = bytearray(form)
    central = buf.index(b"PK\x01\x02")
    buf[central + 6] = 91                                  # version needed to extract: 9.1
    result = import_bytes(bytes(buf), "v.xlsx", data, registry, RECEIVED)
    assert [p.code for p in result.problems] == ["FILE"]
    assert "файл поврежден: его архив не читается" in result.problems[0].message
    assert "NotImplementedError" not in str(result.problems[0])          # the accountant's words only


def test_upload_is_checked_by_stat_before_it_is_read(data, registry, form, tmp_path, monkeypatch):
    big = tmp_path / "big.xlsx"
    with open(big, "wb") as handle:                      # 60 MB, sparse: refused by its size alone
        handle.truncate(60 * 1024 * 1024)
    real_open = os.open
    opened = []
    monkeypatch.setattr(os, "open", lambda path, *a, **k: opened.append(str(path)) or real_open(path, *a, **k))
    result = import_path(big, data, registry, RECEIVED)
    assert str(big) not in opened
    assert [p.code for p in result.problems] == ["FILE"]
    assert f"файл слишком большой: {60 * 1024 * 1024} байт" in result.problems[0].message
    assert result.submission.stored_as == "" and not any((registry.folder / "archive").rglob("*.xlsx"))


def test_symlink_and_fifo_are_refused_not_followed(data, registry, form, tmp_path):
    target = tmp_path / "real.xlsx"
    target.write_bytes(form)
    link = tmp_path / "link.xlsx"
    link.symlink_to(target)
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    result = import_path(link, data, registry, RECEIVED)
    assert result.status == "rejected" and "символическая ссылка" in result.problems[0].message
    result = import_path(fifo, data, registry, RECEIVED)             # must not block waiting for a writer
    assert result.status == "rejected" and "не обычный файл" in result.problems[0].message
    assert not any(p.is_file() for p in (registry.folder / "archive").rglob("*"))
    assert import_path(target, data, registry, RECEIVED).status == "accepted"


def test_cli_symlink_is_refused_and_the_batch_goes_on(data, form, tmp_path):
    target = tmp_path / "real.xlsx"
    target.write_bytes(form)
    (tmp_path / "link.xlsx").symlink_to(target)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["quarterly", "import", str(tmp_path / "link.xlsx"), str(target), "--data",
                                       str(DATA_DIR), "--out", str(out), "--received", "2021-04-05"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "link.xlsx: ОТКЛОНЕН:\n  - указана символическая ссылка" in result.output
    assert "real.xlsx: ПРИНЯТ" in result.output
    archive = out / "social-support-vologda" / "submissions" / "archive"
    files = [p for p in archive.rglob("*") if p.is_file()]
    assert len(files) == 1 and stat.S_IMODE(files[0].stat().st_mode) == 0o600


# --- durable registry ---------------------------------------------------------------------------------------------


def test_archive_is_private_and_fsynced_before_the_commit(data, registry, form, monkeypatch):
    events = []
    real_fsync = os.fsync

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)
    real_record = Registry.record

    def record(self, **kwargs):
        events.append(("record", kwargs["stored_as"]))
        return real_record(self, **kwargs)
    monkeypatch.setattr(registry_module.os, "fsync", fsync)
    monkeypatch.setattr(Registry, "record", record)
    result = import_bytes(form, "f.xlsx", data, registry, RECEIVED)
    assert result.status == "accepted"
    stored = registry.folder / result.submission.stored_as
    names = [(kind, Path(p).name if kind == "fsync" else p) for kind, p in events]
    file_sync = next(i for i, (k, p) in enumerate(names) if k == "fsync" and p.startswith(".tmp-"))
    dir_sync = next(i for i, (k, p) in enumerate(events) if k == "fsync" and p == str(stored.parent))
    assert file_sync < dir_sync < names.index(("record", result.submission.stored_as))
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((registry.folder / "archive").stat().st_mode) == 0o700


def test_damaged_archived_copy_is_rewritten(data, registry, form):
    first = import_bytes(form, "f.xlsx", data, registry, RECEIVED)
    stored = registry.folder / first.submission.stored_as
    stored.write_bytes(b"damaged on disk")
    again = import_bytes(form, "f.xlsx", data, registry, RECEIVED)
    assert again.status == "duplicate" and again.submission.stored_as == first.submission.stored_as
    assert stored.read_bytes() == form
    assert [s.version for s in registry.history()] == [1]          # the same file again is not a new version


@pytest.mark.parametrize("code,words", [(errno.ENOSPC, "на диске нет свободного места"),
                                        (errno.EROFS, "доступны только для чтения")])
def test_full_or_read_only_disk_records_nothing(data, registry, form, monkeypatch, code, words):
    real_fsync = os.fsync
    monkeypatch.setattr(registry_module.os, "fsync",
                        lambda fd: (_ for _ in ()).throw(OSError(code, os.strerror(code))))
    with pytest.raises(RegistryError, match=words) as caught:
        import_bytes(form, "f.xlsx", data, registry, RECEIVED)
    assert "Ничего не записано" in str(caught.value) and str(registry.folder) in str(caught.value)
    monkeypatch.setattr(registry_module.os, "fsync", real_fsync)
    assert registry.history() == []
    assert not any(p.is_file() for p in (registry.folder / "archive").rglob("*"))


def test_commit_on_a_full_disk_is_a_message_not_cannot_rollback(data, registry, form):
    class FullDisk:
        """The connection as SQLite behaves when the disk fills at COMMIT: it rolls back by itself, and
        then reports the error (a ROLLBACK after it would fail with 'no transaction is active')."""

        def __init__(self, db):
            self._db = db

        def execute(self, sql, *args):
            if sql == "COMMIT":
                self._db.execute("ROLLBACK")
                raise sqlite3.OperationalError("database or disk is full")
            return self._db.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self._db, name)
    real = registry.db
    registry.db = FullDisk(real)
    try:
        with pytest.raises(RegistryError, match="на диске нет свободного места") as caught:
            import_bytes(form, "f.xlsx", data, registry, RECEIVED)
        assert "cannot rollback" not in str(caught.value)
    finally:
        registry.db = real
    assert registry.history() == []
    assert not any(p.is_file() for p in (registry.folder / "archive").rglob("*"))   # the new copy was removed


def test_cli_full_disk_message_and_the_next_file_is_imported(data, form, tmp_path, monkeypatch):
    one, two = tmp_path / "one.xlsx", tmp_path / "two.xlsx"
    one.write_bytes(form)
    two.write_bytes(form + b"\0")                        # other bytes (one after the zip's end), the same form
    assert two.read_bytes() != one.read_bytes()
    real_fsync = os.fsync

    def fsync(fd):                                      # the disk is full whenever one.xlsx's copy is flushed
        path = os.readlink(f"/proc/self/fd/{fd}")
        if os.path.isfile(path) and Path(path).read_bytes() == one.read_bytes():
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)
    monkeypatch.setattr(registry_module.os, "fsync", fsync)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["quarterly", "import", str(one), str(two), "--data", str(DATA_DIR), "--out",
                                       str(out), "--received", "2021-04-05"])
    assert result.exit_code == 1 and "Traceback" not in result.output and result.exception is None or \
        isinstance(result.exception, SystemExit)
    assert "one.xlsx: НЕ ЗАПИСАН: реестр отчетов в папке" in result.output
    assert "на диске нет свободного места" in result.output
    assert "two.xlsx: ПРИНЯТ (версия 1; Бабаевский муниципальный район" in result.output
    with Registry(out / "social-support-vologda" / "submissions") as reg:
        assert [(s.original_name, s.status) for s in reg.history()] == [("two.xlsx", "accepted")]
        assert [p.read_bytes() for p in (reg.folder / "archive").rglob("*") if p.is_file()] == [two.read_bytes()]


def test_cli_read_only_registry_is_a_russian_message(data, form, tmp_path, monkeypatch):
    def readonly(*args, **kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")
    monkeypatch.setattr(registry_module.sqlite3, "connect", readonly)
    path = tmp_path / "f.xlsx"
    path.write_bytes(form)
    result = CliRunner().invoke(main, ["quarterly", "import", str(path), "--data", str(DATA_DIR), "--registry",
                                       str(tmp_path / "reg"), "--received", "2021-04-05"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "доступны только для чтения" in result.output and "Ничего не записано" in result.output


# --- many files: worker processes and batched commits -------------------------------------------------------------


def test_batch_fsyncs_every_copy_and_folder_before_its_commit(data, registry, form, monkeypatch):
    from generator.quarterly.intake import import_many
    events = []
    real_fsync = os.fsync

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    class Watched:
        def __init__(self, db):
            self._db = db

        def execute(self, sql, *args):
            if sql in ("COMMIT", "BEGIN IMMEDIATE"):
                events.append((sql, None))
            return self._db.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self._db, name)
    monkeypatch.setattr(registry_module.os, "fsync", fsync)
    real = registry.db
    registry.db = Watched(real)
    try:
        items = [(f"f{i}.xlsx", form + bytes(i), []) for i in range(5)]
        results = dict(import_many(items, data, registry, RECEIVED))
    finally:
        registry.db = real
    assert [results[f"f{i}.xlsx"].submission.version for i in range(5)] == [1, 2, 3, 4, 5]
    stored = {str(registry.folder / r.submission.stored_as) for r in results.values()}
    assert [kind for kind, _ in events].count("COMMIT") == 1 and events[0] == ("BEGIN IMMEDIATE", None)
    commit = events.index(("COMMIT", None))
    synced = {path for kind, path in events[:commit] if kind == "fsync"}
    assert stored <= synced and {str(Path(p).parent) for p in stored} <= synced


def test_cli_many_files_with_two_workers_same_results_as_one(data, form, tmp_path):
    files = []
    for i in range(18):
        path = tmp_path / f"f{i:02d}.xlsx"
        path.write_bytes(form + bytes(i) if i != 7 else b"not a workbook")
        files.append(str(path))
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        result = CliRunner().invoke(main, ["quarterly", "import", *files, "--jobs", jobs, "--data", str(DATA_DIR),
                                           "--out", str(out), "--received", "2021-04-05"])
        assert result.exit_code == 1 and "Traceback" not in result.output
        outputs[jobs] = result.output
        with Registry(out / "social-support-vologda" / "submissions") as reg:
            history = reg.history()
            assert [s.original_name for s in history] == [Path(f).name for f in files]
            assert [s.version for s in history] == [*range(1, 8), None, *range(8, 18)]
            assert len([p for p in (reg.folder / "archive").rglob("*") if p.is_file()]) == 17
    assert outputs["1"] == outputs["2"]
    assert "f07.xlsx: ОТКЛОНЕН:\n  - файл не является книгой Excel" in outputs["2"]


def test_registry_database_is_private(tmp_path):
    with Registry(tmp_path / "reg") as reg:
        reg.history()
    assert stat.S_IMODE((tmp_path / "reg" / "registry.sqlite").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "reg").stat().st_mode) == 0o700


def test_import_without_any_key_says_where_the_key_should_be(data, registry, form, tmp_path, monkeypatch):
    from generator.quarterly import secretkey
    missing = tmp_path / "nowhere" / "secret.key"
    monkeypatch.setenv(secretkey.ENV, str(missing))
    result = import_bytes(form, "f.xlsx", data, registry, RECEIVED)
    assert [p.code for p in result.problems] == ["IDENTITY"]
    assert f"нет ключа подписи форм ({missing})" in result.problems[0].message
    assert not missing.exists()                 # importing never makes a key that no form could carry


def test_a_world_readable_key_stops_the_import_it_is_not_blamed_on_the_file(data, form, tmp_path, monkeypatch,
                                                                            secret_key_file):
    from generator.quarterly import secretkey
    loose = tmp_path / "loose.key"
    loose.write_text(secret_key_file.read_text())
    loose.chmod(0o644)
    monkeypatch.setenv(secretkey.ENV, str(loose))
    path = tmp_path / "f.xlsx"
    path.write_bytes(form)
    result = CliRunner().invoke(main, ["quarterly", "import", str(path), "--data", str(DATA_DIR), "--registry",
                                       str(tmp_path / "reg"), "--received", "2021-04-05"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert f"ключ подписи форм: файл ключа {loose} доступен другим пользователям: выполните chmod 600" in result.output
    with Registry(tmp_path / "reg") as reg:
        assert reg.history() == []


@pytest.mark.parametrize("make, words", [
    (lambda p: p.mkdir(), "не является обычным файлом"),
    (lambda p: p.symlink_to(p.with_name("elsewhere.key")), "не удалось открыть (это символическая ссылка): это должен "
                                                             "быть обычный файл, не символическая ссылка"),
])
def test_a_key_path_that_is_a_folder_or_a_link_is_said_of_the_key(data, form, tmp_path, monkeypatch, make, words):
    """A folder where the signing key should be gave «не удалось вывести результат команды: на месте файла находится
    папка» (the CLI's message for its own output), and a link the system's English words: both now say it of the key."""
    from generator.quarterly import secretkey
    key = tmp_path / "signing.key"
    make(key)
    monkeypatch.setenv(secretkey.ENV, str(key))
    path = tmp_path / "f.xlsx"
    path.write_bytes(form)
    result = CliRunner().invoke(main, ["quarterly", "import", str(path), "--data", str(DATA_DIR), "--registry",
                                       str(tmp_path / "reg"), "--received", "2021-04-05"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"ключ подписи форм: файл ключа {key} {words}" in result.output, result.output


def _die_on_marked_files(data):
    import os
    if data.endswith(b"\x00" * 3 + b"DIE"):
        os._exit(9)                      # as the system's OOM killer would end a worker
    from generator.quarterly import intake
    return intake.read_form(data, intake._WORKER_SUBSIDIES)


def test_a_killed_reading_worker_loses_no_file(data, form, tmp_path, monkeypatch):
    """A worker of ``--jobs 2`` that dies mid-batch: every file is still read, in order, once; no traceback."""
    from generator.quarterly import intake
    monkeypatch.setattr(intake, "_worker_read", _die_on_marked_files)
    files = []
    for i in range(12):
        path = tmp_path / f"f{i:02d}.xlsx"
        path.write_bytes(form + bytes(i) if i != 4 else form + b"\x00" * 3 + b"DIE")
        files.append(str(path))
    result = CliRunner().invoke(main, ["quarterly", "import", *files, "--jobs", "2", "--data", str(DATA_DIR),
                                       "--out", str(tmp_path / "out"), "--received", "2021-04-05",
                                       "--protocol-format", "none"])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    with Registry(tmp_path / "out" / "social-support-vologda" / "submissions") as reg:
        assert [s.original_name for s in reg.history()] == [Path(f).name for f in files]
        assert [s.version for s in reg.history()] == list(range(1, 13))


def test_protocol_of_an_unreadable_file_has_a_name_every_system_accepts(tmp_path):
    """A file that is no workbook has no subsidy or municipality: its protocol is "…-neizvestno-neizvestno"
    (a "?" in a file name is refused by Windows), and its text says the file is not a workbook, in Russian."""
    bad = tmp_path / "otchet.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    result = CliRunner().invoke(main, ["quarterly", "import", str(bad), "--data", str(DATA_DIR), "--out",
                                       str(tmp_path / "out"), "--received", "2021-04-05", "--protocol-format", "docx"])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    (protocol,) = (tmp_path / "out").rglob("protokol-*.docx")
    assert protocol.name == "protokol-00001-neizvestno-neizvestno.docx"
    from docx import Document
    text = "\n".join(p.text for p in Document(str(protocol)).paragraphs)
    assert "ОТКЛОНЕН" in text and "Error" not in text, text


@pytest.mark.parametrize("damage,words", [
    ("crc", "контрольная сумма не совпадает"), ("deflate", "сжатые данные испорчены")])
def test_a_damaged_part_is_refused_in_the_accountants_words(data, registry, form, damage, words):
    """A part whose stored checksum or compressed stream is broken: refused with what is wrong, never the name of a
    Python exception (it was «часть … повреждена (zlib.error)»)."""
    archive = zipfile.ZipFile(io.BytesIO(form))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    name = info.filename.encode()
    buf = bytearray(form)
    if damage == "crc":                                    # the CRC-32 in the local header and the central directory
        buf[info.header_offset + 14:info.header_offset + 18] = b"\0\0\0\0"
        central = bytes(buf).index(b"PK\x01\x02", archive.start_dir)
        while bytes(buf[central + 46:central + 46 + len(name)]) != name:
            central = bytes(buf).index(b"PK\x01\x02", central + 4)
        buf[central + 16:central + 20] = b"\0\0\0\0"
    else:                                                  # the deflate stream itself
        local_extra = int.from_bytes(buf[info.header_offset + 28:info.header_offset + 30], "little")
        start = info.header_offset + 30 + len(name) + local_extra
        buf[start:start + 40] = b"\xff" * 40
    result = import_bytes(bytes(buf), "broken.xlsx", data, registry, RECEIVED)
    assert [p.code for p in result.problems] == ["FILE"], result.problems
    message = str(result.problems[0])
    assert message.startswith("часть xl/worksheets/sheet1.xml повреждена: " + words), message
    assert not re.search(r"zlib|BadZipFile|Error\b", message), message

"""Package operations that must never destroy: partial builds, neighbouring builds, killed builds, bad folders."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from generator.builders import program_package
from generator.data import load_program
from generator.package import Options, PackageError, build

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "social-support-vologda"
SAMPLE_EDITION = DATA / "editions" / "2021-08-17-sample"
FIXTURE = ROOT / "tests" / "fixtures" / "tiny-program"


def _gosprog(*args, check=True, **kwargs):
    run = subprocess.run([sys.executable, "-m", "generator", *map(str, args)], capture_output=True, text=True,
                         cwd=ROOT, timeout=600, **kwargs)
    if check:
        assert run.returncode == 0, run.stderr[-3000:]
    return run


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def full_fixture_package(tmp_path_factory):
    out = tmp_path_factory.mktemp("ops") / "out"
    _gosprog("build", FIXTURE, "--out", out, "--quiet", "--jobs", "1")
    return out, out / "tiny-program" / "2024-03-15"


def _copy(src_out: Path, tmp_path: Path) -> tuple[Path, Path]:
    import shutil
    out = tmp_path / "out"
    shutil.copytree(src_out, out)
    return out, out / "tiny-program" / "2024-03-15"


@pytest.mark.parametrize("args, touched", [
    (["--only", "podprogramma-1-tablicy"], lambda name: name.startswith("11-podprogramma-1-tablicy.")),
    (["--format", "pdf"], lambda name: name.endswith(".pdf")),
])
def test_partial_build_keeps_every_other_file(full_fixture_package, tmp_path, args, touched):
    out, package = _copy(full_fixture_package[0], tmp_path)
    before = _snapshot(package)
    manifest_before = json.loads((package / "manifest.json").read_text(encoding="utf-8"))
    _gosprog("build", FIXTURE, "--out", out, "--quiet", "--jobs", "1", "--full", *args)
    after = _snapshot(package)
    assert after.keys() == before.keys()
    untouched = [n for n in before if n not in ("manifest.json", "soderzhanie.txt") and not touched(n)]
    assert untouched and all(after[n] == before[n] for n in untouched)
    manifest = json.loads((package / "manifest.json").read_text(encoding="utf-8"))
    assert [e["file"] for e in manifest["files"]] and \
        sorted(e["file"] for e in manifest["files"]) == sorted(e["file"] for e in manifest_before["files"])
    assert manifest["formats"] == ["docx", "xlsx", "pdf"]
    for entry in manifest["files"]:
        assert hashlib.sha256((package / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
    with zipfile.ZipFile(package.parent / "2024-03-15.zip") as archive:
        names = {Path(n).name for n in archive.namelist()}
    assert names == set(before)


def test_two_editions_built_at_once_into_one_folder(tmp_path):
    out = tmp_path / "out"
    processes = [subprocess.Popen([sys.executable, "-m", "generator", "build", str(data), "--out", str(out),
                                   "--quiet", "--jobs", "1", "--format", "docx,pdf"],
                                  cwd=ROOT, stderr=subprocess.PIPE, text=True)
                 for data in (DATA, SAMPLE_EDITION)]
    for process in processes:
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-3000:]
    parent = out / "social-support-vologda"
    visible = sorted(p.name for p in parent.iterdir() if not p.name.startswith("."))
    assert visible == ["2021-08-17", "2021-08-17.zip", "2021-08-31", "2021-08-31.zip"]
    for name in ("2021-08-17", "2021-08-31"):
        manifest = json.loads((parent / name / "manifest.json").read_text(encoding="utf-8"))
        with zipfile.ZipFile(parent / f"{name}.zip") as archive:
            assert len(archive.namelist()) == len(manifest["files"]) + 2


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to follow the worker processes")
def test_killed_parallel_build_leaves_no_worker_behind(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "generator", "build", str(DATA), "--out", str(tmp_path / "o"),
                                "--quiet", "--full", "--jobs", "2"], cwd=ROOT)
    workers: set[int] = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(workers) < 3 and process.poll() is None:
        workers |= _descendants(process.pid)       # the fork server and its two workers
        time.sleep(0.05)
    assert len(workers) >= 2, "the build ended before its workers could be seen"
    process.send_signal(signal.SIGKILL)             # the main process only, as an OOM killer or a user would
    process.wait(timeout=30)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.2)
    assert [p for p in workers if _alive(p)] == []


def test_published_folder_is_readable_like_its_files(full_fixture_package):
    _, package = full_fixture_package
    assert stat.S_IMODE(package.stat().st_mode) & 0o055 == 0o055
    assert all(stat.S_IMODE(p.stat().st_mode) & 0o044 == 0o044 for p in package.iterdir())


def test_file_where_the_output_folder_should_be(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "tiny-program").write_text("not a folder", encoding="utf-8")
    run = _gosprog("build", FIXTURE, "--out", tmp_path / "out", "--quiet", check=False)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "не удалось записать пакет" in run.stderr and "на месте папки находится файл" in run.stderr
    assert (tmp_path / "out" / "tiny-program").read_text(encoding="utf-8") == "not a folder"
    # the interface's language: the message comes from the catalog like the others
    english = _gosprog("--lang", "en", "build", FIXTURE, "--out", tmp_path / "out", "--quiet", check=False)
    assert english.returncode == 1
    assert f"could not write the package to {tmp_path / 'out' / 'tiny-program'}" in english.stderr
    assert "a file stands where a folder should be" in english.stderr, english.stderr


def test_an_output_folder_that_cannot_be_made_is_said_in_russian(tmp_path):
    """An output under a path where no folder can be made (a path inside /proc): the system's reason in Russian too,
    not its English words inside the Russian message."""
    run = _gosprog("build", FIXTURE, "--out", "/proc/gosprog-no-such-folder", "--quiet", check=False)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "не удалось записать пакет в /proc/gosprog-no-such-folder/" in run.stderr
    assert run.stderr.strip().endswith(": /proc/gosprog-no-such-folder: такого файла или папки нет"), run.stderr


def test_full_disk_is_a_message_and_the_previous_package_stays(tmp_path, monkeypatch):
    program, located = load_program(FIXTURE, with_locations=True)
    planned = program_package(program, located)[:2]
    destination = tmp_path / "pkg"
    build(planned, destination, Options(formats=("docx",), jobs=1), {"date": "2024-03-15"})
    before = _snapshot(destination)

    import generator.package as package_module

    def full(job):
        raise OSError(errno.ENOSPC, "No space left on device", str(job[2]))
    monkeypatch.setattr(package_module, "_render", full)
    with pytest.raises(PackageError, match="на диске нет места"):
        build(planned, destination, Options(formats=("docx",), jobs=1, incremental=False), {"date": "2024-03-15"})
    assert _snapshot(destination) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []


def test_a_folder_where_the_zip_goes_is_named_and_nothing_is_replaced(tmp_path):
    """A folder stands where the package's zip goes: the message names that path (not the build's temporary zip),
    and the package folder is not replaced, so folder and zip stay those of one build (found by the tester)."""
    program, located = load_program(FIXTURE, with_locations=True)
    planned = program_package(program, located)[:2]
    destination = tmp_path / "pkg"
    build(planned, destination, Options(formats=("docx",), jobs=1), {"date": "2024-03-15"})
    before = _snapshot(destination)
    (tmp_path / "pkg.zip").unlink()
    (tmp_path / "pkg.zip").mkdir()
    with pytest.raises(PackageError) as refused:
        build(planned, destination, Options(formats=("docx", "xlsx"), jobs=1, incremental=False),
              {"date": "2024-03-15"})
    assert str(refused.value) == (f"не удалось записать пакет в {destination}: {tmp_path / 'pkg.zip'}: "
                                  "на месте файла находится папка")
    assert _snapshot(destination) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []


def test_temporary_paths_are_named_as_the_package_names_them(tmp_path):
    from generator.package import _known_path
    destination = tmp_path / "out" / "2021-08-31"
    assert _known_path(str(tmp_path / "out" / ".tmp-2021-08-31~ab12.zip"), destination) == tmp_path / "out" / "2021-08-31.zip"
    assert _known_path(str(tmp_path / "out" / ".tmp-2021-08-31~x9" / "00-programma-pasport.pdf"), destination) == \
        destination / "00-programma-pasport.pdf"
    assert _known_path(str(tmp_path / "data" / "program.yaml"), destination) == tmp_path / "data" / "program.yaml"
    assert _known_path(None, destination) is None


def test_two_documents_with_one_name_are_refused(tmp_path):
    program, located = load_program(FIXTURE, with_locations=True)
    first = program_package(program, located)[0]
    with pytest.raises(PackageError, match=first.name):
        build([first, first], tmp_path / "pkg", Options(formats=("docx",), jobs=1), {"date": "2024-03-15"})
    assert not (tmp_path / "pkg").exists()

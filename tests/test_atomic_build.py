"""A build killed at any moment leaves the previous package intact and no debris in its folder."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.builders import program_package
from generator.data import load_program
from generator.package import Options, build

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "social-support-vologda"


def _intact(folder: Path) -> dict:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        data = (folder / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
    return manifest


def _build_cmd(out: Path) -> list[str]:
    return [sys.executable, "-m", "generator", "build", str(DATA), "--out", str(out), "--format",
            "docx,xlsx,pdf", "--full", "--quiet", "--jobs", "1"]


@pytest.mark.parametrize("delay", [0.3, 1.0, 2.0])
def test_killed_build_keeps_previous_package(tmp_path, delay):
    out = tmp_path / "out"
    subprocess.run(_build_cmd(out), check=True, cwd=ROOT, timeout=300)
    package = out / "social-support-vologda" / "2021-08-31"
    before = _intact(package)
    process = subprocess.Popen(_build_cmd(out), cwd=ROOT, start_new_session=True)
    time.sleep(delay)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    after = _intact(package)
    assert after["files"] == before["files"]
    # the next build starts by removing what the killed one left, and succeeds
    subprocess.run(_build_cmd(out), check=True, cwd=ROOT, timeout=300)
    _intact(package)
    visible = [p.name for p in package.parent.iterdir() if not p.name.startswith(".")]
    assert sorted(visible) == ["2021-08-31", "2021-08-31.zip"]
    assert not [p for p in package.parent.iterdir() if p.name.startswith((".tmp-", ".old-"))]


def _built_in_parallel(tmp_path: Path) -> tuple[list[str], Path, dict]:
    """A package built with render processes under ``tmp_path``: the command (run it again to rebuild), the package
    folder and its state (:func:`_intact`)."""
    command = [sys.executable, "-m", "generator", "build", str(DATA), "--out", str(tmp_path / "out"), "--full",
               "--quiet", "--jobs", "2"]
    subprocess.run(command, check=True, cwd=ROOT, timeout=300)
    package = tmp_path / "out" / "social-support-vologda" / "2021-08-31"
    return command, package, _intact(package)


def _wait_until_rendering(folder: Path, timeout: float = 60) -> None:
    """Wait until a build writing into ``folder`` has rendered its first file (in its temporary folder): the middle of
    the build on any machine (a fixed delay was before the first document on a slow one, after the last on a fast
    one)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for temporary in folder.glob(".tmp-*"):
            try:
                if temporary.is_dir() and any(temporary.iterdir()):
                    return
            except OSError:             # removed meanwhile
                pass
        time.sleep(0.005)
    pytest.fail("the build wrote no file")


@pytest.mark.parametrize("stop, status, said", [(signal.SIGTERM, 143, ""), (signal.SIGINT, 1, "Прервано.")])
def test_a_stopped_parallel_build_cleans_up_and_prints_no_traceback(tmp_path, stop, status, said):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) or SIGTERM in the middle of a build with
    render processes: the previous package stays, no temporary folder and no process is left, and neither the
    fork server nor a worker prints a Python traceback."""
    command, package, before = _built_in_parallel(tmp_path)
    # started as a terminal starts it: the test runner's own processes may ignore Ctrl-C, which a child inherits
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    _wait_until_rendering(package.parent)
    os.killpg(process.pid, stop)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == status, output
    assert "Traceback" not in output and "Error" not in output, output
    assert said in output
    assert _intact(package)["files"] == before["files"]
    assert not [p for p in package.parent.iterdir() if p.name.startswith((".tmp-", ".old-"))]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:               # the render processes and the fork server are gone too
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        pytest.fail("processes of the stopped build are still running")


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    if int(handle.read().rsplit(b")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def test_a_render_process_killed_mid_build_is_a_russian_message_and_leaves_nothing(tmp_path):
    """A render process killed while it renders (the system out of memory, a user's kill -9): the build says so in
    Russian, exits 1 without a traceback, keeps the previous package and leaves no temporary folder or zip (the other
    render process is ended before the folder it writes into is removed)."""
    command, package, before = _built_in_parallel(tmp_path)
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    deadline, workers = time.monotonic() + 60, []
    while not workers and time.monotonic() < deadline and process.poll() is None:
        workers = [child for server in _children(process.pid) for child in _children(server)]
        time.sleep(0.02)
    assert workers, "no render process seen"
    time.sleep(0.3)
    os.kill(workers[0], signal.SIGKILL)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 1, output
    assert "Traceback" not in output, output
    assert "процесс, формировавший документы, аварийно завершился" in output and "повторите сборку" in output
    assert _intact(package)["files"] == before["files"]
    assert not [p.name for p in package.parent.iterdir() if p.name.startswith((".tmp-", ".old-"))]


def test_failed_render_leaves_previous_package(tmp_path, monkeypatch):
    program, located = load_program(DATA, with_locations=True)
    planned = program_package(program, located)[:2]
    destination = tmp_path / "pkg"
    build(planned, destination, Options(formats=("docx",), jobs=1), {"date": "2021-08-31"})
    before = _intact(destination)

    import generator.package as package_module

    def broken(job):
        raise RuntimeError("disk full")
    monkeypatch.setattr(package_module, "_render", broken)
    with pytest.raises(RuntimeError):
        build(planned, destination, Options(formats=("docx",), jobs=1, incremental=False), {"date": "2021-08-31"})
    assert _intact(destination)["files"] == before["files"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []

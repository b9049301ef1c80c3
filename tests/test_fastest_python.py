"""tools/fastest_python.py: which interpreter ``make`` makes the environment from.

The choice is measured (a build with PGO and LTO ran the cold package 13 % faster than a shared-library build of
the same version): these tests give the candidates fixed times and check the rule, and run the real script once.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from conftest import ROOT

SCRIPT = ROOT / "tools" / "fastest_python.py"


@pytest.fixture()
def picker():
    spec = importlib.util.spec_from_file_location("fastest_python", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _with(picker, monkeypatch, others: dict[str, float], own_time: float) -> str:
    own = sys.executable
    monkeypatch.setattr(picker, "candidates", lambda: [own, *others])
    monkeypatch.setattr(picker, "resolved", lambda python: python)
    monkeypatch.setattr(picker, "timed", lambda python: own_time if python == own else others[python])
    return picker.fastest()


def test_a_faster_build_of_the_same_version_is_chosen(picker, monkeypatch):
    assert _with(picker, monkeypatch, {"/opt/fast/python3.11": 0.080}, own_time=0.100) == "/opt/fast/python3.11"


def test_one_no_faster_than_the_margin_is_not(picker, monkeypatch):
    # 7 % faster: within what two runs of one build differ by on this machine; the running interpreter stays
    assert _with(picker, monkeypatch, {"/opt/fast/python3.11": 0.093}, own_time=0.100) == sys.executable


def test_a_failing_candidate_is_never_chosen(picker, monkeypatch):
    assert _with(picker, monkeypatch, {"/opt/broken/python3.11": float("inf")}, own_time=0.100) == sys.executable


def test_the_pairs_decide_not_one_lucky_run(picker, monkeypatch):
    """The machine's speed changes from run to run: one fast run of the slower build must not win. The candidate
    is 20 % slower in four pairs of five; in the other one it ran while the machine was fast and the running
    interpreter while it was slow (the best of each series would then have chosen it: 0.060 against 0.100)."""
    own, other = sys.executable, "/opt/python3.11"
    monkeypatch.setattr(picker, "candidates", lambda: [own, other])
    monkeypatch.setattr(picker, "resolved", lambda python: python)
    # in the order run: own then other, then other then own, alternating
    runs = iter([0.100, 0.120, 0.060, 0.100, 0.100, 0.120, 0.120, 0.100, 0.100, 0.120])
    monkeypatch.setattr(picker, "timed", lambda python: next(runs))
    assert picker.fastest() == own


def test_a_hanging_candidate_is_stopped_with_what_it_started(picker, tmp_path, monkeypatch):
    """A ``python3.11`` on PATH that never answers (a broken wrapper script) is given up after the timeout, and the
    program it started is stopped too (``subprocess.run`` stops the script only: its child stayed behind)."""
    marker = tmp_path / "child.pid"
    hang = tmp_path / "python3.11"
    hang.write_text(f"#!/bin/sh\nsleep 1000 &\necho $! > {marker}\nwait\n")
    hang.chmod(0o755)
    monkeypatch.setattr(picker, "CHECK_TIMEOUT_S", 1)
    assert picker.resolved(str(hang)) is None
    child = int(marker.read_text())
    import time
    for _ in range(50):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the hanging candidate's child {child} is still running")


def test_candidates_of_another_version_or_without_venv_are_refused(picker, tmp_path):
    other = tmp_path / "python3.11"
    other.write_text("#!/bin/sh\nexit 1\n")
    other.chmod(0o755)
    assert picker.resolved(str(other)) is None                     # cannot make an environment
    assert picker.resolved(sys.executable) == os.path.realpath(sys.executable)


def test_only_the_users_path_is_searched(picker, tmp_path, monkeypatch):
    folder = tmp_path / "bin"
    folder.mkdir()
    python = folder / f"python{sys.version_info.major}.{sys.version_info.minor}"
    python.symlink_to(os.path.realpath(sys.executable))
    monkeypatch.setenv("PATH", str(folder))
    # as found on PATH, not the file the link points to (a venv made through the link survives an upgrade)
    assert picker.candidates() == [sys.executable, str(python)]


def test_the_script_prints_an_interpreter_of_this_version():
    run = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    chosen = run.stdout.strip()
    version = subprocess.run([chosen, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                             text=True).stdout.strip()
    assert version == str(tuple(sys.version_info[:2]))


def test_make_uses_it_only_when_making_the_environment_and_unless_python_is_given():
    """``make -n`` prints the recipe without running it: the picker is a command substitution of the shell, run only
    when ``.venv`` is made (before, make ran it whenever it read the recipe: seconds, or minutes with a hanging
    candidate, on every refresh of the environment); ``PYTHON=`` replaces it."""
    # run as make runs it under `make test` too: without the outer make's level and flags in the environment
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "PYTHON")}

    def venv_step(*args: str) -> str:
        lines = subprocess.run(["make", "--no-print-directory", "-n", "-B", ".venv/.installed", *args], cwd=ROOT,
                               env=env, capture_output=True, text=True, timeout=60).stdout.splitlines()
        return next(line for line in lines if line.startswith("test -x"))
    assert venv_step() == ("test -x .venv/bin/python || $(python3 tools/fastest_python.py 2>/dev/null || echo "
                           "python3) -m venv .venv")
    assert venv_step("PYTHON=/opt/python3.11") == "test -x .venv/bin/python || /opt/python3.11 -m venv .venv"

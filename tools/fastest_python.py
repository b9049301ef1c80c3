"""Print the path of the fastest CPython of this interpreter's version on ``PATH``: the one ``make`` makes gosprog's
virtual environment from when ``PYTHON`` is not given.

Why: the same CPython version runs gosprog's pure-Python work (reading and checking the data, building the
documents, the DOCX and XLSX writers) at different speeds depending on how it was built. On the machine of
docs/benchmarks.md, pyenv's 3.11.7 (built with ``--enable-shared`` and without profile-guided optimization, as
pyenv builds by default) builds the cold package 13 % slower than Debian's 3.11.2 (``/usr/bin/python3.11``, built
with PGO and LTO); the Typst share is the same in both. CPython's documentation describes both switches
(``--enable-optimizations``, ``--with-lto``: "Configure Python", Performance options).

Only interpreters of this one's ``major.minor`` are candidates (``requirements.lock`` pins wheels built for it):
this interpreter and each ``python3.X`` on ``PATH`` (the user's ``PATH`` decides what may be used). A candidate must
answer within :data:`CHECK_TIMEOUT_S` and be able to make a virtual environment with pip (``venv`` and ``ensurepip``;
Debian ships them apart, in ``python3.X-venv``). Each is timed against this interpreter on the same pure-Python
workload (about 0.1 s) in :data:`ROUNDS` pairs, one run right after the other; another one is chosen only when the
median of its pairs' ratios is at least :data:`MARGIN` below 1 (the builds compared above differ by 15-25 %; two
equal builds by a few per cent, so the margin keeps them from swapping between runs). A candidate that does not answer
in time is stopped with everything it started. The path printed is the one found on ``PATH`` (not the file a link
points to: a venv made through ``/usr/local/bin/python3.11`` survives an upgrade that replaces the file behind it).

Usage: ``python3 tools/fastest_python.py`` (``make`` runs it only when it creates ``.venv``).
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys

#: How much faster (median of :data:`ROUNDS` paired ratios) another interpreter must be to be chosen.
MARGIN = 0.10
ROUNDS = 5
CHECK_TIMEOUT_S = 10
RUN_TIMEOUT_S = 20

#: Dictionaries, strings, attribute access and small calls: what gosprog's builders and writers spend their time on.
WORKLOAD = r"""
import time
class Cell:
    __slots__ = ("text", "value")
    def __init__(self, text, value):
        self.text, self.value = text, value
def width(text):
    return sum(0.5 if ch.isdigit() else 0.7 for ch in text)
def run():
    cells = [Cell(f"{i:,}".replace(",", "\u00a0"), i) for i in range(40000)]
    seen = {}
    for cell in cells:
        seen[cell.text] = max(seen.get(cell.text, 0.0), width(cell.text))
    return len(seen)
start = time.process_time()
run()
print(time.process_time() - start)
"""


def candidates() -> list[str]:
    """This interpreter, then each ``python3.X`` (this version) on ``PATH``, as found there."""
    name = f"python{sys.version_info.major}.{sys.version_info.minor}"
    found = [sys.executable]
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        path = shutil.which(name, path=folder) if folder else None
        if path and path not in found:
            found.append(path)
    return found


def _output(command: list[str], timeout: float) -> str | None:
    """What ``command`` prints, or None when it fails or does not finish within ``timeout`` seconds; then it is
    stopped with every process it started (a script that runs another program: ``subprocess.run`` alone would stop
    the script and leave the program running)."""
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                   start_new_session=True)
    except OSError:
        return None
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.communicate()
        return None
    return out if process.returncode == 0 else None


def resolved(python: str) -> str | None:
    """The file ``python`` runs (its ``sys.executable`` as a real path, to tell two names of one interpreter apart: a
    pyenv shim is a script that runs another file) when it is this version and can make a virtual environment with
    pip; otherwise None."""
    check = (f"import os, sys, venv, ensurepip; assert sys.version_info[:2] == {tuple(sys.version_info[:2])!r}; "
             "print(os.path.realpath(sys.executable))")
    out = _output([python, "-I", "-c", check], CHECK_TIMEOUT_S)
    return out.strip() or None if out else None


def timed(python: str) -> float:
    """CPU seconds of one run of :data:`WORKLOAD` under ``python`` (infinite when it fails or hangs)."""
    out = _output([python, "-I", "-c", WORKLOAD], RUN_TIMEOUT_S)
    try:
        return float(out.strip()) if out else float("inf")
    except ValueError:
        return float("inf")


def fastest() -> str:
    """The interpreter ``make`` should use (see the module's docstring)."""
    own = sys.executable
    pythons = {os.path.realpath(own): own}          # the file run -> the name to print
    for name in candidates()[1:]:
        real = resolved(name)
        if real and real not in pythons:
            pythons[real] = name
    others = list(pythons.values())[1:]
    if not others:
        return own
    # each candidate against this interpreter in pairs, one run right after the other (the order alternating): this
    # machine's speed changes from second to second by more than the builds differ, and two runs side by side share
    # it far more often than the best of each series does
    ratios: dict[str, list[float]] = {name: [] for name in others}
    for round_ in range(ROUNDS):
        for name in others:
            pair = (own, name) if round_ % 2 == 0 else (name, own)
            times = dict(zip(pair, map(timed, pair)))
            ratios[name].append(times[name] / times[own] if times[own] > 0 else float("inf"))
    choice = min(others, key=lambda name: statistics.median(ratios[name]))
    return choice if statistics.median(ratios[choice]) < 1 - MARGIN else own


if __name__ == "__main__":
    print(fastest())

"""Print the path of the fastest CPython of this interpreter's version on the machine: the one ``make`` makes
gosprog's virtual environment from.

Why: the same CPython version runs gosprog's pure-Python work (reading and checking the data, building the
documents, the DOCX and XLSX writers) at different speeds depending on how it was built. On the machine of
docs/benchmarks.md, pyenv's 3.11.7 (built with ``--enable-shared`` and without profile-guided optimization, as
pyenv builds by default) builds the cold package 13 % slower than Debian's 3.11.2 (``/usr/bin/python3.11``,
statically linked, built with PGO and LTO); the Typst share is the same in both. CPython's documentation
describes both switches (``--enable-optimizations``, ``--with-lto``: "Configure Python", Performance options).

Only interpreters of this one's ``major.minor`` are candidates (``requirements.lock`` pins wheels built for it):
this interpreter, and ``python3.X`` found on ``PATH`` and in ``/usr/bin`` and ``/usr/local/bin``. A candidate must
be able to make a virtual environment with pip (``venv`` and ``ensurepip``; Debian ships them apart, in
``python3.X-venv``). Each is timed on the same small pure-Python workload, alternately, five times; another one
is chosen over this interpreter only when its best time is at least :data:`MARGIN` shorter, so that two equal
builds never flip between runs. Nothing found or nothing faster: this interpreter.

Usage: ``python3 tools/fastest_python.py`` (``make`` calls it unless ``PYTHON`` is given).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

#: How much faster (best of five) another interpreter must be to be chosen over the one running this script.
MARGIN = 0.05

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
    cells = [Cell(f"{i:,}".replace(",", "\u00a0"), i) for i in range(6000)]
    seen = {}
    for cell in cells:
        seen[cell.text] = max(seen.get(cell.text, 0.0), width(cell.text))
    return len(seen)
start = time.process_time()
run()
print(time.process_time() - start)
"""


def candidates() -> list[str]:
    """Real paths of the interpreters of this version, this one first, each once."""
    name = f"python{sys.version_info.major}.{sys.version_info.minor}"
    found = [sys.executable]
    for folder in os.environ.get("PATH", "").split(os.pathsep) + ["/usr/bin", "/usr/local/bin"]:
        path = shutil.which(name, path=folder) if folder else None
        if path:
            found.append(path)
    unique: list[str] = []
    for path in found:
        real = os.path.realpath(path)
        if real not in unique:
            unique.append(real)
    return unique


def resolved(python: str) -> str | None:
    """The interpreter ``python`` runs (its ``sys.executable``, a real path: a pyenv shim is a script that runs
    another file) when it is this version and can make a virtual environment with pip; otherwise None."""
    check = (f"import os, sys, venv, ensurepip; assert sys.version_info[:2] == {tuple(sys.version_info[:2])!r}; "
             "print(os.path.realpath(sys.executable))")
    try:
        result = subprocess.run([python, "-I", "-c", check], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def timed(python: str) -> float:
    """CPU seconds of one run of :data:`WORKLOAD` under ``python`` (infinite when it fails)."""
    try:
        result = subprocess.run([python, "-I", "-c", WORKLOAD], capture_output=True, text=True, timeout=60)
        return float(result.stdout.strip()) if result.returncode == 0 else float("inf")
    except (OSError, subprocess.SubprocessError, ValueError):
        return float("inf")


def fastest() -> str:
    """The interpreter ``make`` should use (see the module's docstring)."""
    own = os.path.realpath(sys.executable)
    pythons = [own]
    for python in map(resolved, candidates()[1:]):
        if python and python not in pythons:
            pythons.append(python)
    if len(pythons) == 1:
        return own
    best = {p: float("inf") for p in pythons}
    for _ in range(5):
        for python in pythons:
            best[python] = min(best[python], timed(python))
    choice = min(pythons, key=best.__getitem__)
    return choice if best[choice] < best[own] * (1 - MARGIN) else own


if __name__ == "__main__":
    print(fastest())

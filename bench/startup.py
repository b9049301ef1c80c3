"""Start-up benchmarks: ``python bench/startup.py [--runs N]`` (also part of ``make bench`` via run.py's
conventions: targets checked here only, never in unit tests). Writes bench/startup.json.

* load   - cold program load of the default data: ``load_program`` in a fresh process (the interpreter and the
           import of ``generator.data``, where pydantic builds the validators, are not counted but the import's
           time is printed beside the load; the YAML cache is empty), with libyaml's parser; the
           baseline in the same run is the same load with PyYAML's pure-Python parser. Target: <= 0.2 s.
           Wall and CPU time are both given: on a busy machine the CPU time is the steadier figure.

Runs are paired (A B ... B A ...) and the load average before and after is recorded beside the figures.
* help   - ``gosprog --help`` as a whole process against ``python -c pass`` and ``python -c "import click"``
           in the same run: what the command line adds to a bare interpreter (the lazy command registry keeps
           every writer and document library out of it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable
DATA = ROOT / "data" / "social-support-vologda"
TARGETS = {"cold_load_s": 0.2}

_LOAD = """
import sys, time
imported = time.perf_counter()
from generator.data import load_program, yamlread
imported = time.perf_counter() - imported
if sys.argv[1] == "pure":
    yamlread._CLoader = yamlread._Loader
start, cpu = time.perf_counter(), time.process_time()
load_program(sys.argv[2], with_locations=True)
print(time.perf_counter() - start, time.process_time() - cpu, imported)
"""


def _load(composer: str) -> tuple[float, float, float]:
    """``(wall s, CPU s, import s)`` of one cold load in a fresh process (CPU time: what a busy machine does not
    inflate); the import of ``generator.data`` before it (the schemas' validators are built there) is not part of
    the load, and is given beside it so that nothing moves between the two unseen."""
    out = subprocess.run([PY, "-c", _LOAD, composer, str(DATA)], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    wall, cpu, imported = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu), float(imported)


def _process(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=True, cwd=ROOT, env={"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"})
    return time.perf_counter() - start


def measure(runs: int) -> dict:
    """The figures of this module (``load``, ``help``, ``targets``), ``runs`` paired runs, medians; also run
    by ``run.py`` (``make bench``) as its ``startup`` section."""
    libyaml, pure, gosprog_help, bare, click_only = [], [], [], [], []
    load_before = os.getloadavg()[0]
    for i in range(runs):            # paired: A B A B, the order turned every other run
        steps = [lambda: libyaml.append(_load("libyaml")), lambda: pure.append(_load("pure")),
                 lambda: gosprog_help.append(_process([PY, "-m", "generator", "--help"])),
                 lambda: bare.append(_process([PY, "-c", "pass"])),
                 lambda: click_only.append(_process([PY, "-c", "import click"]))]
        for step in steps if i % 2 == 0 else reversed(steps):
            step()
    med = statistics.median
    results = {
        "runs": runs, "date": time.strftime("%Y-%m-%d %H:%M"),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "load": {"libyaml_s": med([w for w, _, _ in libyaml]), "pure_python_s": med([w for w, _, _ in pure]),
                 "libyaml_cpu_s": med([c for _, c, _ in libyaml]), "pure_python_cpu_s": med([c for _, c, _ in pure]),
                 "ratio": med([w for w, _, _ in libyaml]) / med([w for w, _, _ in pure]),
                 "import_s": med([i for _, _, i in libyaml])},
        "help": {"gosprog_help_s": med(gosprog_help), "python_pass_s": med(bare), "python_import_click_s":
                 med(click_only), "ratio_vs_python": med(gosprog_help) / med(bare),
                 "ratio_vs_click": med(gosprog_help) / med(click_only)},
    }
    results["targets"] = [{"target": "cold program load, default data", "value": results["load"]["libyaml_s"],
                           "limit": f"<= {TARGETS['cold_load_s']:g} s",
                           "pass": results["load"]["libyaml_s"] <= TARGETS["cold_load_s"]}]
    return results


def report(results: dict) -> None:
    """Print :func:`measure`'s figures, each beside its baseline's own time."""
    load, hlp = results["load"], results["help"]
    print(f"  load average {results['load_average'][0]:.1f} before, {results['load_average'][1]:.1f} after")
    print(f"  cold program load {load['libyaml_s']:.3f} s (CPU {load['libyaml_cpu_s']:.3f} s) against the same load "
          f"with PyYAML's pure-Python parser {load['pure_python_s']:.3f} s (CPU {load['pure_python_cpu_s']:.3f} s): "
          f"x{load['ratio']:.2f}; target <= {TARGETS['cold_load_s']:g} s: "
          f"{'PASS' if results['targets'][0]['pass'] else 'FAIL'}")
    if "import_s" in load:
        print(f"  (before it, not counted: importing generator.data, its schemas and validators, {load['import_s']:.3f} s)")
    print(f"  gosprog --help {hlp['gosprog_help_s']:.3f} s against python -c pass {hlp['python_pass_s']:.3f} s "
          f"(x{hlp['ratio_vs_python']:.1f}) and python -c 'import click' {hlp['python_import_click_s']:.3f} s "
          f"(x{hlp['ratio_vs_click']:.1f})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    results = measure(args.runs)
    (BENCH / "startup.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    report(results)
    return 0 if all(t["pass"] for t in results["targets"]) else 1


if __name__ == "__main__":
    sys.exit(main())

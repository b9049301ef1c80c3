"""Start-up benchmarks: ``python bench/startup.py [--runs N]`` (also part of ``make bench`` via run.py's
conventions: targets checked here only, never in unit tests). Writes bench/startup.json.

* load   - cold program load of the default data: ``load_program`` in a fresh process (the interpreter and the
           imports are not counted; the YAML cache is empty), with libyaml composing the nodes; the baseline
           in the same run is the same load with PyYAML's pure-Python composer (what the loader used before).
           Target: <= 0.2 s.
* help   - ``gosprog --help`` as a whole process against ``python -c pass`` and ``python -c "import click"``
           in the same run: what the command line adds to a bare interpreter (the lazy command registry keeps
           every writer and document library out of it).
"""

from __future__ import annotations

import argparse
import json
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
from generator.data import load_program, yamlread
if sys.argv[1] == "pure":
    yamlread._CLoader = yamlread._Loader
start, cpu = time.perf_counter(), time.process_time()
load_program(sys.argv[2], with_locations=True)
print(time.perf_counter() - start, time.process_time() - cpu)
"""


def _load(composer: str) -> tuple[float, float]:
    """``(wall s, CPU s)`` of one cold load in a fresh process (CPU time: what a busy machine does not inflate)."""
    out = subprocess.run([PY, "-c", _LOAD, composer, str(DATA)], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def _process(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=True, cwd=ROOT, env={"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"})
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    runs = args.runs
    libyaml = [_load("libyaml") for _ in range(runs)]
    pure = [_load("pure") for _ in range(runs)]
    gosprog_help = [_process([PY, "-m", "generator", "--help"]) for _ in range(runs)]
    bare = [_process([PY, "-c", "pass"]) for _ in range(runs)]
    click_only = [_process([PY, "-c", "import click"]) for _ in range(runs)]
    med = statistics.median
    results = {
        "runs": runs,
        "load": {"libyaml_s": med([w for w, _ in libyaml]), "pure_python_s": med([w for w, _ in pure]),
                 "libyaml_cpu_s": med([c for _, c in libyaml]), "pure_python_cpu_s": med([c for _, c in pure]),
                 "ratio": med([w for w, _ in libyaml]) / med([w for w, _ in pure])},
        "help": {"gosprog_help_s": med(gosprog_help), "python_pass_s": med(bare), "python_import_click_s":
                 med(click_only), "ratio_vs_python": med(gosprog_help) / med(bare),
                 "ratio_vs_click": med(gosprog_help) / med(click_only)},
    }
    results["targets"] = [{"target": "cold program load, default data", "value": results["load"]["libyaml_s"],
                           "limit": f"<= {TARGETS['cold_load_s']:g} s",
                           "pass": results["load"]["libyaml_s"] <= TARGETS["cold_load_s"]}]
    (BENCH / "startup.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    load, hlp = results["load"], results["help"]
    print(f"cold load: libyaml {load['libyaml_s']:.3f} s, pure-Python composer {load['pure_python_s']:.3f} s "
          f"(ratio {load['ratio']:.2f}; CPU {load['libyaml_cpu_s']:.3f} s vs {load['pure_python_cpu_s']:.3f} s); "
          f"target <= {TARGETS['cold_load_s']} s: "
          f"{'PASS' if results['targets'][0]['pass'] else 'FAIL'}")
    print(f"gosprog --help {hlp['gosprog_help_s']:.3f} s; python -c pass {hlp['python_pass_s']:.3f} s "
          f"(x{hlp['ratio_vs_python']:.1f}); python -c 'import click' {hlp['python_import_click_s']:.3f} s "
          f"(x{hlp['ratio_vs_click']:.1f})")
    return 0 if all(t["pass"] for t in results["targets"]) else 1


if __name__ == "__main__":
    sys.exit(main())

"""XLSX writer options for cached formula values (issue 16), measured in one run.

``python bench/xlsx_writers.py [--runs N] [--rev REV]``

* A: the openpyxl writer as it was at ``REV`` (default a6902bb, before the move), plus the pass that
  option A needs: unzip each sheet, insert ``<v>…</v>`` after every ``<f>…</f>``, zip again;
* B: the current writer (XlsxWriter, cached values written natively).

Both render every document of the default package to XLSX in memory, warm, in one process each;
the best of N runs is reported and the ratio A/B printed. The old revision runs from a
``git archive`` export in a temporary folder (a subprocess, so the two models never mix).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "social-support-vologda"

SCRIPT = r'''
import io, re, sys, time, zipfile
sys.path.insert(0, sys.argv[1])
from generator.data import load_program
from generator.builders import program_package
from generator.writers import xlsx
docs = [p.document for p in program_package(load_program(sys.argv[2]))]
post = sys.argv[3] == "post"
F = re.compile(rb"(<f>[^<]*</f>)(<v\s*/>|<v></v>)?")

def postprocess(data):
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                body = F.sub(rb"\1<v>0</v>", body)
            target.writestr(info, body)
    return out.getvalue()

best = None
for _ in range(int(sys.argv[4])):
    start = time.perf_counter()
    for d in docs:
        data = xlsx.render(d)
        if post:
            data = postprocess(data)
    took = time.perf_counter() - start
    best = took if best is None else min(best, took)
print(f"{best:.3f} {len(docs)}")
'''


def run(tree: Path, mode: str, runs: int) -> tuple[float, int]:
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tree), str(DATA), mode, str(runs)],
                         check=True, capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rev", default="a6902bb")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        old.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.rev], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
        a_plain, n = run(old, "plain", args.runs)
        a_post, _ = run(old, "post", args.runs)
        b, _ = run(ROOT, "plain", args.runs)
    print(f"{n} documents of the default package, best of {args.runs}")
    print(f"A  openpyxl writer              {a_plain:7.3f} s")
    print(f"A  openpyxl writer + <v> pass   {a_post:7.3f} s")
    print(f"B  XlsxWriter writer            {b:7.3f} s")
    print(f"ratio A(+pass)/B                {a_post / b:7.2f}")


if __name__ == "__main__":
    main()

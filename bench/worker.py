"""Processes the bench starts and times (``run.py`` measures each as a whole process).

    worker.py render     --rows R.json --fmt docx|xlsx|pdf [--engine typst|weasyprint] --out FILE
    worker.py timed-render --rows R.json --warmup W.json --fmt F [--engine E] --out FILE
    worker.py long-word  --n N --engine typst|weasyprint --out FILE
    worker.py render --plain ... (the baseline's plain table, no merged cells)
    worker.py xlsxwriter --rows R.json --out FILE
    worker.py raw-typst-setup --data DATA --dir DIR ; worker.py raw-typst --data DATA --dir DIR --fonts F --jobs 2
    worker.py docxtpl    --rows R.json --template T.docx --out FILE
    worker.py scale-setup   --folder DIR --n N --files K
    worker.py scale-measure --folder DIR --n N
    worker.py scale-report  --folder DIR      (the report and its XLSX again, from the registry scale-measure filled)

``render`` and ``docxtpl`` are the two routes of the baseline comparison: both start from the same
JSON rows, so both pay for reading their input, building and writing; nothing is shared or cached.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workloads  # noqa: E402

sys.path.insert(0, str(workloads.ROOT))


def _rss_mb() -> float:
    """The current resident set (VmRSS), MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _cpu_s() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of its finished children (the reading workers)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cmd_render(args) -> None:
    from generator import writers
    table, years = workloads.load_rows(Path(args.rows))
    doc = (workloads.plain_document if args.plain else workloads.gosprog_document)(table, years)
    options = {"pdf_engine": args.engine} if args.fmt == "pdf" else {}
    writers.write(doc, args.out, args.fmt, **options)


def cmd_timed_render(args) -> None:
    """One document rendered in a fresh process, timed in-process: a small different document is
    rendered first (untimed) so that imports and font loading are paid before the clock starts, and
    nothing the engine caches between renders of the same content can help the timed one."""
    from generator import writers
    options = {"pdf_engine": args.engine} if args.fmt == "pdf" else {}
    table, years = workloads.load_rows(Path(args.rows))
    warm_table, warm_years = workloads.load_rows(Path(args.warmup))
    out = Path(args.out)
    writers.write(workloads.gosprog_document(warm_table, warm_years), out.with_name("warmup-" + out.name),
                  args.fmt, **options)
    t0 = time.perf_counter()
    doc = workloads.gosprog_document(table, years)
    writers.write(doc, out, args.fmt, **options)
    print(json.dumps({"render_s": time.perf_counter() - t0}))


def cmd_long_word(args) -> None:
    """A table cell with an ``n``-letter word to PDF, timed in-process after an untimed 50-letter one."""
    from generator import writers
    out = Path(args.out)
    writers.write(workloads.long_word_document(50), out.with_name("warmup-" + out.name), "pdf",
                  pdf_engine=args.engine)
    t0 = time.perf_counter()
    writers.write(workloads.long_word_document(args.n), out, "pdf", pdf_engine=args.engine)
    print(json.dumps({"render_s": time.perf_counter() - t0, "peak_rss_mb": _peak_mb()}))


def cmd_xlsxwriter(args) -> None:
    """The XLSX baseline: a plain XlsxWriter script writing the plain table's values and styles (caption,
    bold centred wrapped header, numbering row, bordered body, amounts as numbers with "# ##0,0",
    column widths, landscape, repeated header rows) - what a team would write by hand."""
    import xlsxwriter
    table, years = workloads.load_rows(Path(args.rows))
    labels = workloads.header_labels(years)
    wb = xlsxwriter.Workbook(args.out, {"default_format_properties": {"font_name": "Times New Roman",
                                                                      "font_size": 9.5}})
    ws = wb.add_worksheet("Таблица 4")
    base = {"font_name": "Times New Roman", "font_size": 9.5, "border": 1, "valign": "top", "text_wrap": True}
    head = wb.add_format({**base, "bold": True, "align": "center", "valign": "vcenter"})
    text = wb.add_format(base)
    amount = wb.add_format({**base, "align": "right", "num_format": "#,##0.0"})
    widths = [0.7, 1.5, 3.4, 2.4, 2.3] + [1.75] * (len(years) + 1)
    for i, w in enumerate(widths):
        ws.set_column(i, i, 170 * w / sum(widths))
    ws.write(0, len(labels) - 1, "Таблица 4")
    ws.write(1, 0, workloads.TITLE, wb.add_format({"bold": True}))
    ws.write(2, len(labels) - 1, "тыс. руб.")
    for c, label in enumerate(labels):
        ws.write(3, c, label, head)
        ws.write(4, c, c + 1, head)
    r = 5
    for item in workloads.baseline_rows(table, formatted=False):
        for c, field in enumerate(workloads.FIELDS[:len(labels)]):
            v = item[field]
            if c < len(workloads.HEAD) or v is None or isinstance(v, str):
                ws.write_string(r, c, v or "", text if c < len(workloads.HEAD) else amount)
            else:
                ws.write_number(r, c, float(v), amount)
        r += 1
    ws.set_landscape()
    ws.set_paper(9)
    ws.repeat_rows(3, 4)
    ws.freeze_panes(5, 0)
    wb.close()


def cmd_raw_typst_setup(args) -> None:
    """The raw Typst floor's input, untimed: for each PDF of the default package, a folder with the
    template, its images and the JSON gosprog hands to Typst (``sys.inputs.doc``)."""
    import base64
    import shutil

    from generator import templates
    from generator.builders import program_package
    from generator.data import load_program
    from generator.writers._plain import for_pdf
    tpl = templates.get(None)
    out = Path(args.dir)
    for item in program_package(load_program(args.data)):
        folder = out / item.name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tpl.find("document.typ"), folder / "document.typ")
        data = for_pdf(item.document)
        n = 0
        for section in data["sections"]:
            for block in section["blocks"]:
                if block["type"] == "image":
                    n += 1
                    (folder / f"image-{n}.png").write_bytes(base64.b64decode(block.pop("png")))
                    block["file"] = f"image-{n}.png"
        (folder / "doc.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    print(json.dumps({"documents": len(list(out.iterdir())), "fonts": str(tpl.dirs[0] / "fonts")}))


def _raw_compile(job: tuple[str, str]) -> int:
    import typst
    folder, fonts = job
    root = Path(folder)
    pdf = typst.compile(str(root / "document.typ"), root=str(root), font_paths=[fonts], ignore_system_fonts=True,
                        sys_inputs={"doc": (root / "doc.json").read_text(encoding="utf-8")})
    (root / "out.pdf").write_bytes(pdf)
    return len(pdf)


def cmd_raw_typst(args) -> None:
    """The floor of a cold package's PDFs: read the data files (libyaml, no model), then Typst compiles
    the prepared documents in ``--jobs`` processes, each laying out with one Typst thread as the package's render
    processes do (``generator.package.TYPST_THREADS``; on 2 cores the raw route is as fast either way, within
    2 %). Timed by run.py as a whole process."""
    import multiprocessing

    import yaml
    os.environ.setdefault("RAYON_NUM_THREADS", "1")     # generator.package.TYPST_THREADS (not imported: no cost here)
    for path in sorted(Path(args.data).rglob("*.yaml")):
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    jobs = [(str(folder), args.fonts) for folder in sorted(Path(args.dir).iterdir())]
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        sizes = pool.map(_raw_compile, jobs, chunksize=1)
    print(json.dumps({"documents": len(sizes), "bytes": sum(sizes)}))


def cmd_docxtpl(args) -> None:
    from docxtpl import DocxTemplate
    table, _ = workloads.load_rows(Path(args.rows))
    template = DocxTemplate(args.template)
    template.render({"title": workloads.TITLE, "rows": workloads.baseline_rows(table)})
    template.save(args.out)


def cmd_scale_setup(args) -> None:
    """Synthetic data for ``n`` municipalities and ``files`` filled forms of the quarter in ``folder/inbox``.
    When files < n, the first ``n - files`` municipalities' forms of the quarter are recorded straight into
    the registry, untimed, as import_bytes would record them. With ``--previous`` every municipality's
    previous quarter is recorded too (half the figures), as it is when a real second quarter comes in."""
    from decimal import Decimal

    from generator.quarterly import importer
    from generator.quarterly.load import load_subsidies
    from generator.quarterly.registry import Registry
    folder = Path(args.folder)
    workloads.write_subsidy_folder(folder / "program", args.n)
    data = load_subsidies(folder / "program")
    templates = workloads.filled_templates(data)
    inbox = folder / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    first = args.n - args.files
    for i in range(first, args.n):
        g = i % workloads.GROUPS
        (inbox / f"{i:06d}-{workloads.TOKEN_CODE.format(i)}.xlsx").write_bytes(
            workloads.clone_form(templates[g], g, i, data))
    spec = data.form_of(workloads.SUBSIDY)
    figures = []
    for g, content in enumerate(templates):
        try:
            reading = importer.read(content, data)
            problems = reading.problems or importer.check(
                reading, spec, data.agreement(workloads.SUBSIDY, workloads.TOKEN_CODE.format(g), workloads.YEAR))
            figures.append((importer.complete(reading, spec), [str(p) for p in problems]))
        except importer.FormRejected as exc:
            figures.append((None, [str(p) for p in exc.problems]))
    subsidy = data.subsidies[workloads.SUBSIDY]
    recorded = 0
    with Registry(folder / "registry") as registry:
        registry.db.execute("PRAGMA synchronous=OFF")      # setup only: the timed part runs with FULL
        if args.previous:
            quarter = workloads.QUARTER - 1
            for i in range(args.n):
                values = figures[i % (workloads.GROUPS - 1)][0]     # an accepted group's figures
                half = {r: {c: (v / 2).quantize(Decimal("0.01")) for c, v in cols.items()} for r, cols in values.items()}
                registry.record(subsidy=workloads.SUBSIDY, municipality=workloads.TOKEN_CODE.format(i),
                                year=workloads.YEAR, quarter=quarter, status="accepted",
                                received=subsidy.deadline(workloads.YEAR, quarter), deadline=subsidy.deadline(
                                    workloads.YEAR, quarter), sha256="0" * 64, original_name=f"q{quarter}-{i:06d}.xlsx",
                                stored_as="(bench: recorded without a file)", findings=[], figures=half)
                recorded += 1
        deadline = subsidy.deadline(workloads.YEAR, workloads.QUARTER)
        for i in range(max(0, first)):
            values, findings = figures[i % workloads.GROUPS]
            registry.record(subsidy=workloads.SUBSIDY, municipality=workloads.TOKEN_CODE.format(i),
                            year=workloads.YEAR, quarter=workloads.QUARTER,
                            status="rejected" if findings else "accepted", received=received_date(i),
                            deadline=deadline, sha256="0" * 64, original_name=f"{i:06d}.xlsx",
                            stored_as="(bench: recorded without a file)", findings=findings,
                            figures=None if findings else values)
            recorded += 1
    print(json.dumps({"files": args.files, "recorded_untimed": recorded}))


def received_date(i: int) -> dt.date:
    """Most files arrive by the deadline (10 July); every tenth is two or three days late."""
    return dt.date(workloads.YEAR, 7, 12 + i % 2) if i % 10 == 9 else dt.date(workloads.YEAR, 7, 1 + i % 9)


def cmd_scale_measure(args) -> None:
    """Timed: import every file of the inbox (store, read, check, record) into the registry, then the
    consolidated report of the quarter and its XLSX. Peak RSS of this process is reported with it."""
    from generator import writers
    from generator.quarterly.intake import Expectation, import_many
    from generator.quarterly.load import load_subsidies
    from generator.quarterly.registry import Registry
    from generator.quarterly.reports import consolidated_report
    folder = Path(args.folder)
    t0 = time.perf_counter()
    data = load_subsidies(folder / "program")
    load_s = time.perf_counter() - t0
    files = sorted((folder / "inbox").glob("*.xlsx"))
    rss_before = _rss_mb()
    peak_before = _peak_mb()
    status: dict[str, int] = {}
    expect = Expectation(workloads.YEAR, workloads.QUARTER, workloads.SUBSIDY)
    cpu0 = _cpu_s()
    with Registry(folder / "registry") as registry:
        t0 = time.perf_counter()
        items = ((path.name, path.read_bytes(), []) for path in files)
        for name, result in import_many(items, data, registry, lambda name: received_date(int(name.split("-")[0])),
                                        expect, args.jobs):
            kind = getattr(result, "status", "not recorded")
            status[kind] = status.get(kind, 0) + 1
        t1 = time.perf_counter()
        cpu1 = _cpu_s()
        doc = consolidated_report(data, registry, workloads.SUBSIDY, workloads.YEAR, workloads.QUARTER)
        t2 = time.perf_counter()
        writers.write(doc, folder / "consolidated.xlsx", "xlsx")
        t3 = time.perf_counter()
    table = next(doc.tables())
    print(json.dumps({"n": args.n, "files": len(files), "load_s": load_s, "import_s": t1 - t0, "report_s": t2 - t1,
                      "xlsx_s": t3 - t2, "status": status, "report_rows": len(table.body) - 1,
                      "rss_before_mb": rss_before, "peak_before_mb": peak_before, "peak_rss_mb": _peak_mb(),
                      "jobs": args.jobs, "import_cpu_main_s": cpu1[0] - cpu0[0],
                      "import_cpu_workers_s": cpu1[1] - cpu0[1], "loadavg_1min": os.getloadavg()[0], "reader": "openpyxl (full mode) after zip/stat/streaming-XML limits",
                      "peak_worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))


def cmd_scale_report(args) -> None:
    """Timed: the consolidated report of the quarter and its XLSX from a registry ``scale-measure`` filled (the
    report-growth target's paired runs, ``run.py: bench_scale``). Its modules are imported before the clock, as the
    import before the report in ``scale-measure`` had imported them."""
    from generator import writers
    from generator.quarterly.load import load_subsidies
    from generator.quarterly.registry import Registry
    from generator.quarterly.reports import consolidated_report
    import generator.writers.xlsx  # noqa: F401
    import generator.wording  # noqa: F401
    folder = Path(args.folder)
    data = load_subsidies(folder / "program")
    with Registry(folder / "registry") as registry:
        t0 = time.perf_counter()
        doc = consolidated_report(data, registry, workloads.SUBSIDY, workloads.YEAR, workloads.QUARTER)
        t1 = time.perf_counter()
        writers.write(doc, folder / "consolidated-paired.xlsx", "xlsx")
        t2 = time.perf_counter()
    print(json.dumps({"report_s": t1 - t0, "xlsx_s": t2 - t1}))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="worker.py")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("render")
    p.add_argument("--rows", required=True)
    p.add_argument("--plain", action="store_true", help="the plain table (no merged cells) of the baseline")
    p.add_argument("--fmt", required=True)
    p.add_argument("--engine", default="typst")
    p.add_argument("--out", required=True)
    p = sub.add_parser("timed-render")
    p.add_argument("--rows", required=True)
    p.add_argument("--warmup", required=True)
    p.add_argument("--fmt", required=True)
    p.add_argument("--engine", default="typst")
    p.add_argument("--out", required=True)
    p = sub.add_parser("long-word")
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--engine", default="weasyprint")
    p.add_argument("--out", required=True)
    p = sub.add_parser("xlsxwriter")
    p.add_argument("--rows", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("raw-typst-setup")
    p.add_argument("--data", required=True)
    p.add_argument("--dir", required=True)
    p = sub.add_parser("raw-typst")
    p.add_argument("--data", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--fonts", required=True)
    p.add_argument("--jobs", type=int, default=2)
    p = sub.add_parser("docxtpl")
    p.add_argument("--rows", required=True)
    p.add_argument("--template", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("scale-setup")
    p.add_argument("--folder", required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--files", type=int, required=True)
    p.add_argument("--previous", action="store_true")
    p = sub.add_parser("scale-report")
    p.add_argument("--folder", required=True)
    p = sub.add_parser("scale-measure")
    p.add_argument("--folder", required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--jobs", type=int, default=1, help="worker processes reading the forms")
    args = parser.parse_args(argv)
    {"render": cmd_render, "timed-render": cmd_timed_render, "docxtpl": cmd_docxtpl,
     "long-word": cmd_long_word, "xlsxwriter": cmd_xlsxwriter,
     "raw-typst-setup": cmd_raw_typst_setup, "raw-typst": cmd_raw_typst,
     "scale-setup": cmd_scale_setup, "scale-measure": cmd_scale_measure,
     "scale-report": cmd_scale_report}[args.command](args)


if __name__ == "__main__":
    main()

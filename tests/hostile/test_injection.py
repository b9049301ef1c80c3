"""Hostile texts in program data: every writer prints them literally and nothing is evaluated.

A copy of tests/fixtures/tiny-program gets template, markup, Typst, CSS and spreadsheet-formula
injections in its names (program title and goal, executors, indicator and activity names, financing
rows). The package is built through the CLI with both PDF engines and every output is read back:

* DOCX: each hostile value is the whole text of a paragraph (cells are paragraphs);
* XLSX: each hostile value is a string cell (data_type "s"); the only formulas are the generator's
  own ``=SUM(…)``;
* PDF (Typst and WeasyPrint): each value is in the extracted text (whitespace, NBSP and hyphenation
  normalised, since long cells wrap);
* ``{{ 7*7 }}`` never became 49; WeasyPrint tried no network connection and fetched only the
  template's stylesheet; Typst (run under strace) read nothing outside its temporary root but fonts.

The memo's text template prints a municipality's explanation that looks like Jinja literally.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import load_workbook

from conftest import ROOT, pdf_reader, record_fetchers, squash
from generator import fonts
from generator.cli import main

FIXTURE = ROOT / "tests" / "fixtures" / "tiny-program"
DATA = ROOT / "data" / "social-support-vologda"
EDITION = "2024-03-15"

JINJA = "{{ 7*7 }}"
RAW = "{% raw %}x{% endraw %}"
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src="http://127.0.0.1:9/x.png">'
CSS_URL = "url(http://127.0.0.1:9/a.css)"
TYPST_IMPORT = '#import "@preview/x:1.0.0"'
MATH = "$x^2$"
LABEL = "@label"
BRACKET = "]"
STRONG = "*bold*"
DDE = "=cmd|' /C calc'!A0"
PLUS = "+1 департамент"
MINUS = "-1+2 мероприятие"
AT_SUM = "@SUM(A1)"
MINUS_EXECUTOR = "-1+2 исполнитель"

HOSTILE = [JINJA, RAW, SCRIPT, IMG, CSS_URL, TYPST_IMPORT, MATH, LABEL, BRACKET, STRONG,
           DDE, "+1", "-1+2", AT_SUM]

# (file, path inside the YAML, value). Every hostile text is the whole value of at least one field
# that becomes a table cell of its own.
PLACES = [
    ("program.yaml", ("title",), JINJA),
    ("program.yaml", ("passport", "goal"), DDE),
    ("program.yaml", ("passport", "responsible_executor"), AT_SUM + " департамент"),
    ("program.yaml", ("passport", "executors"), [SCRIPT, PLUS]),
    ("program.yaml", ("indicators", "items", 0, "name"), MATH),
    ("subprograms/sp1.yaml", ("activities", "items", 0, "name"), RAW),
    ("subprograms/sp1.yaml", ("activities", "items", 0, "executors"), IMG),
    ("subprograms/sp1.yaml", ("activities", "items", 1, "name"), CSS_URL),
    ("subprograms/sp1.yaml", ("activities", "items", 1, "executors"), TYPST_IMPORT),
    ("subprograms/sp1.yaml", ("indicators", "items", 0, "name"), LABEL),
    ("subprograms/sp1.yaml", ("indicators", "items", 1, "name"), BRACKET),
    ("subprograms/sp1.yaml", ("financing", "rows", 3, "name"), STRONG),
    ("subprograms/sp1.yaml", ("financing", "rows", 1, "executor"), MINUS_EXECUTOR),
    ("subprograms/sp1.yaml", ("forecast", "rows", 1, "label"), SCRIPT),
    ("subprograms/sp2.yaml", ("activities", "items", 0, "name"), DDE),
    ("subprograms/sp2.yaml", ("activities", "items", 0, "executors"), PLUS),
    ("subprograms/sp2.yaml", ("activities", "items", 1, "name"), MINUS),
    ("subprograms/sp2.yaml", ("indicators", "items", 0, "name"), AT_SUM),
    ("subprograms/sp2.yaml", ("indicators", "items", 1, "name"), JINJA),
]

# values that stand alone in a table cell (DOCX paragraph / XLSX cell)
CELL_VALUES = sorted({v for _, path, v in PLACES if isinstance(v, str) and path != ("title",)} | {SCRIPT, PLUS})


def set_path(data, path, value) -> None:
    for key in path[:-1]:
        data = data[key]
    assert path[-1] in data if isinstance(data, dict) else path[-1] < len(data), path
    data[path[-1]] = value


def hostile_copy(folder: Path) -> Path:
    """The tiny program with the hostile values written into its YAML (re-dumped, comments dropped)."""
    target = folder / "hostile-program"
    shutil.copytree(FIXTURE, target)
    files = {name: yaml.safe_load((target / name).read_text(encoding="utf-8"))
             for name in {p[0] for p in PLACES}}
    for name, path, value in PLACES:
        set_path(files[name], path, value)
    for name, content in files.items():
        (target / name).write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False, width=1000),
                                   encoding="utf-8")
    return target


# --- readers -----------------------------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_paragraphs(data: bytes) -> list[str]:
    """The text of every paragraph of the body, headers and footers (w:br as a newline)."""
    from lxml import etree

    out = []
    archive = zipfile.ZipFile(io.BytesIO(data))
    for name in archive.namelist():
        if not re.match(r"word/(document|header\d*|footer\d*)\.xml$", name):
            continue
        root = etree.fromstring(archive.read(name))
        for p in root.iter(f"{W}p"):
            parts = []
            for node in p.iter(f"{W}t", f"{W}br"):
                parts.append("\n" if node.tag == f"{W}br" else (node.text or ""))
            out.append("".join(parts))
    return out


def xlsx_cells(data: bytes) -> list:
    wb = load_workbook(io.BytesIO(data))
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]


def pdf_key(text: str) -> str:
    """Whitespace, NBSP, hyphenation marks and hyphen-minus removed: Typst extracts "-" as U+00AD."""
    return squash(text).replace("-", "")


SUM_FORMULA = re.compile(r"^=SUM\([A-Z]+\d+([:,][A-Z]+\d+)*\)$")


# --- the builds ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def program_dir(tmp_path_factory) -> Path:
    return hostile_copy(tmp_path_factory.mktemp("hostile"))


def test_fixture_had_none_of_the_texts():
    """So that finding a text in the output proves it came from the hostile data."""
    def strings(value):
        if isinstance(value, dict):
            for v in value.values():
                yield from strings(v)
        elif isinstance(value, list):
            for v in value:
                yield from strings(v)
        elif isinstance(value, str):
            yield value

    original = "\n".join(s for p in FIXTURE.rglob("*.yaml")
                         for s in strings(yaml.safe_load(p.read_text(encoding="utf-8"))))
    for text in HOSTILE:
        assert text not in original, text


def test_hostile_program_loads_with_the_texts(program_dir):
    from generator.data import load_program

    program = load_program(program_dir)
    assert program.title == JINJA and program.passport.goal == DDE
    assert program.passport.executors == [SCRIPT, PLUS]
    sp1, sp2 = program.subprograms
    assert sp1.activities.items[0].name == RAW and sp1.indicators.items[1].name == BRACKET
    assert sp2.activities.items[0].name == DDE and sp2.indicators.items[0].name == AT_SUM


def _build(program_dir: Path, out: Path, engine: str) -> Path:
    result = CliRunner().invoke(main, ["build", str(program_dir), "--out", str(out), "--format", "docx,xlsx,pdf",
                                       "--pdf-engine", engine, "--jobs", "1", "--quiet",
                                       # the injection texts replace table 3's executors: validate reports C02
                                       # (executors of table 4 not in table 3); the texts must print anyway
                                       "--force"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    package = out / "tiny-program" / EDITION
    assert package.is_dir()
    return package


@pytest.fixture(scope="module")
def typst_package(program_dir, tmp_path_factory) -> Path:
    return _build(program_dir, tmp_path_factory.mktemp("out-typst"), "typst")


@pytest.fixture(scope="module")
def weasy_build(program_dir, tmp_path_factory):
    """The WeasyPrint build, with the network disabled and every URL the renderer asks for recorded."""
    mp = pytest.MonkeyPatch()
    attempts: list = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in tests")

    for target, name in ((socket.socket, "connect"), (socket.socket, "connect_ex"),
                         (socket, "create_connection"), (socket, "getaddrinfo")):
        mp.setattr(target, name, refuse)
    fetchers = record_fetchers(mp)
    try:
        package = _build(program_dir, tmp_path_factory.mktemp("out-weasy"), "weasyprint")
    finally:
        mp.undo()
    return package, attempts, fetchers


@pytest.fixture(scope="module")
def weasy_package(weasy_build) -> Path:
    return weasy_build[0]


def files(package: Path, suffix: str) -> list[Path]:
    found = sorted(package.glob(f"*.{suffix}"))
    assert len(found) == 6, [p.name for p in found]       # 2 program + 2 × 2 subprogram documents
    return found


# --- DOCX ---------------------------------------------------------------------------------------------


def test_docx_prints_every_text_literally(typst_package):
    paragraphs = [p for path in files(typst_package, "docx") for p in docx_paragraphs(path.read_bytes())]
    for value in CELL_VALUES:
        assert value in paragraphs, value
    assert f'"{JINJA}"' in paragraphs                    # the passport's heading with the program title
    assert f"{SCRIPT}; {PLUS}" in paragraphs             # the executors list
    joined = "\n".join(paragraphs)
    for text in HOSTILE:
        assert text in joined, text
    assert "49" not in paragraphs and '"49"' not in joined
    assert not any(p == "x" for p in paragraphs)          # {% raw %} was not processed


def test_docx_title_property_literal(typst_package):
    data = (typst_package / "00-programma-pasport.docx").read_bytes()
    core = zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml").decode("utf-8")
    assert "Паспорт государственной программы &quot;{{ 7*7 }}&quot;" in core or \
           'Паспорт государственной программы "{{ 7*7 }}"' in core


# --- XLSX ---------------------------------------------------------------------------------------------


def test_xlsx_texts_are_string_cells_never_formulas(typst_package):
    cells = [c for path in files(typst_package, "xlsx") for c in xlsx_cells(path.read_bytes())]
    by_value: dict = {}
    for cell in cells:
        by_value.setdefault(cell.value, []).append(cell)
    for value in CELL_VALUES:
        assert value in by_value, value
        assert all(c.data_type == "s" for c in by_value[value]), (value, [c.data_type for c in by_value[value]])
    for cell in cells:
        if cell.data_type == "f":
            assert isinstance(cell.value, str) and SUM_FORMULA.match(cell.value), \
                f"{cell.parent.title}!{cell.coordinate} = {cell.value!r}"
        if isinstance(cell.value, str) and any(cell.value.startswith(h) for h in (DDE, "+1", "-1+2", "@SUM")):
            assert cell.data_type == "s", (cell.coordinate, cell.value)
    assert not any(c.value in (49, "49") for c in cells)
    assert any(c.value == f'"{JINJA}"' for c in cells)


def test_xlsx_raw_xml_holds_no_hostile_formula(typst_package):
    """Below openpyxl: no <f> element anywhere holds anything but a SUM of cell references."""
    for path in files(typst_package, "xlsx"):
        archive = zipfile.ZipFile(path)
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode("utf-8")
                for formula in re.findall(r"<f>(.*?)</f>", xml):
                    assert SUM_FORMULA.match("=" + formula), (path.name, formula)


# --- PDF ----------------------------------------------------------------------------------------------


def pdf_text(package: Path) -> tuple[str, dict[str, str]]:
    texts = {}
    for path in files(package, "pdf"):
        reader = pdf_reader(path.read_bytes())
        texts[path.name] = "\n".join((page.extract_text() or "") for page in reader.pages)
    return "\n".join(texts.values()), texts


@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
def test_pdf_prints_every_text_literally(engine, typst_package, weasy_package):
    package = typst_package if engine == "typst" else weasy_package
    text, per_file = pdf_text(package)
    flat = pdf_key(text)
    for value in CELL_VALUES + HOSTILE + [f"{SCRIPT}; {PLUS}"]:
        assert pdf_key(value) in flat, (engine, value)
    passport = pdf_key(per_file["00-programma-pasport.pdf"])
    assert pdf_key(f'"{JINJA}"') in passport
    assert pdf_key('"49"') not in flat
    # the two places of {{ 7*7 }} in tables (sp2 indicator) and the title heading
    assert flat.count(pdf_key(JINJA)) >= 3


@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
def test_pdf_title_metadata_literal(engine, typst_package, weasy_package):
    package = typst_package if engine == "typst" else weasy_package
    reader = pdf_reader((package / "00-programma-pasport.pdf").read_bytes())
    assert reader.metadata.title == f'Паспорт государственной программы "{JINJA}"'


def test_weasyprint_tried_no_network_and_fetched_only_the_stylesheet(weasy_build):
    package, attempts, fetchers = weasy_build
    assert attempts == []
    assert len(fetchers) == 6                                     # one render per PDF
    for fetcher in fetchers:
        assert fetcher.refused == []
        assert [Path(url).name for url in fetcher.requested] == ["style.css"] + [f[0] for f in fonts.FACES], \
            fetcher.requested
        assert not any("127.0.0.1" in url for url in fetcher.requested)


def test_package_manifest_lists_only_safe_names(typst_package):
    manifest = json.loads((typst_package / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["title"] == JINJA
    for entry in manifest["files"]:
        assert re.match(r"^[a-z0-9][a-z0-9._-]*$", entry["file"]), entry["file"]


# --- Typst reads nothing outside its root -------------------------------------------------------------

# What Typst may open besides its temporary root: the bundled fonts (never the system's), and process facts
# (cgroup CPU limits for its thread pool, /proc/self, the allocator's overcommit setting).
FONT_AND_SYSTEM = (str(fonts.folder()), "/proc/self", "/proc/sys/vm/overcommit_memory", "/sys/fs/cgroup",
                   "/sys/devices/system/cpu", "/etc/localtime")

TRACED = textwrap.dedent("""
    import os, sys
    import typst
    from generator.builders import program_package
    from generator.data import load_program
    from generator.writers import typst_pdf

    real = typst.compile

    def traced(*args, **kwargs):
        print("ROOT", kwargs["root"], flush=True)
        try:
            os.stat("/gosprog-trace-begin")
        except OSError:
            pass
        try:
            return real(*args, **kwargs)
        finally:
            try:
                os.stat("/gosprog-trace-end")
            except OSError:
                pass

    typst.compile = traced
    program = load_program(sys.argv[1])
    for planned in program_package(program):
        data = typst_pdf.render(planned.document)
        assert data.startswith(b"%PDF-")
    print("DONE", flush=True)
""")


def _strace_usable() -> bool:
    if shutil.which("strace") is None:
        return False
    probe = subprocess.run(["strace", "-f", "-qq", "-e", "trace=openat", "-o", os.devnull, "true"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _strace_usable(), reason="strace is not available (or ptrace is not permitted)")
def test_typst_reads_nothing_outside_its_root(program_dir, tmp_path):
    script = tmp_path / "traced.py"
    script.write_text(TRACED, encoding="utf-8")
    trace = tmp_path / "trace.txt"
    run = subprocess.run(["strace", "-f", "-qq", "-s", "4096", "-e",
                          "trace=open,openat,openat2,stat,newfstatat,statx,access,faccessat,faccessat2,readlink,"
                          "execve,connect,socket",
                          "-o", str(trace), sys.executable, str(script), str(program_dir)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr[-2000:]
    roots = [line.split(" ", 1)[1] for line in run.stdout.splitlines() if line.startswith("ROOT ")]
    assert len(roots) == 6 and "DONE" in run.stdout
    assert all(Path(r).name.startswith("gosprog-typst-") for r in roots)
    allowed = tuple(roots) + FONT_AND_SYSTEM
    opened, outside, network, in_root = 0, [], [], set()
    active = False
    for line in trace.read_text(encoding="utf-8", errors="replace").splitlines():
        if "/gosprog-trace-begin" in line:
            active = True
            continue
        if "/gosprog-trace-end" in line:
            active = False
            continue
        if not active:
            continue
        call = re.match(r"^\d+\s+(\w+)\(", line)
        if call is None:
            continue
        name = call.group(1)
        if name in ("connect", "socket"):
            network.append(line)
            continue
        paths = re.findall(r'"(/[^"]*)"', line)
        for path in paths:
            for root in roots:
                if path.startswith(root + "/"):
                    in_root.add(path[len(root) + 1:])
        if name in ("open", "openat", "openat2", "execve"):
            for path in paths:
                opened += 1
                if not path.startswith(allowed):
                    outside.append(line[:200])
    assert opened > 0                                   # the trace saw the compiles at all
    assert network == [], network[:5]
    assert outside == [], outside[:20]
    # inside its root Typst touched its template only: no "/etc/passwd" or package path was resolved there
    assert in_root and all(p == "document.typ" or re.match(r"^image-\d+\.png$", p) for p in in_root), in_root


# --- the memo template --------------------------------------------------------------------------------


def test_memo_prints_a_jinja_looking_explanation_literally(tmp_path):
    from generator.annual.documents import memo_paragraphs
    from generator.annual.evaluate import evaluate_subsidy, load_facts
    from generator.data import load_program
    from generator.quarterly.load import load_subsidies

    folder = tmp_path / "social-support-vologda"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("editions", "source"))
    facts_file = folder / "annual" / "2021.yaml"
    text = facts_file.read_text(encoding="utf-8")
    old = "подрядчик не завершил ремонт спального корпуса в срок; работы перенесены на май 2022 года"
    hostile = ("{{ config }} {% for x in range(3) %}{{ x }}{% endfor %} {% for %} {{ 7*7 }} "
               "{{ ''.__class__.__mro__ }} {# comment #}")
    assert text.count(old) == 1
    facts_file.write_text(text.replace(old, hostile.replace("\\", "\\\\").replace('"', '\\"')), encoding="utf-8")
    program = load_program(folder)
    facts = load_facts(folder, 2021)
    data = load_subsidies(folder, program)
    evaluation = evaluate_subsidy(data, facts, "camps")
    sokolsky = next(r for r in evaluation.rows if r.municipality == "sokolsky")
    assert sokolsky.facts.explanation == hostile
    paragraphs = memo_paragraphs([evaluation], 2021, "Департамент социальной защиты населения области")
    memo = "\n".join(paragraphs)
    assert hostile in memo
    reasons = next(p for p in paragraphs if p.startswith("Причины недостижения"))
    assert f"{sokolsky.name} - {hostile}" in reasons
    assert "49" not in reasons and "012" not in reasons and "<class" not in reasons

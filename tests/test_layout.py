"""Print quality of the default package, page by page (issue 17).

Every page of every PDF of ``gosprog build data/social-support-vologda``, with both engines, and
the DOCX files converted by LibreOffice (when installed), are checked by :mod:`pdf_layout`: no
blank page, no character outside its table cell or off the page, no number split across lines,
header rows on every page of a table, merged labels on the page of their block's first line.
Each engine's package is built once per session.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pdf_layout import expectations, footnotes_of, page_problems  # noqa: E402

from generator.builders import program_package  # noqa: E402
from generator.cli import main  # noqa: E402
from generator.data.loader import load_program  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "data" / "social-support-vologda"
ENGINES = ["typst", "weasyprint"]
WORKERS = max(1, min(4, os.cpu_count() or 1))


def _build(out: Path, *extra: str) -> Path:
    result = CliRunner().invoke(main, ["build", str(DATA), "--out", str(out), "--quiet", "--jobs", str(WORKERS),
                                       *extra])
    assert result.exit_code == 0, result.output
    (program,) = [p for p in out.iterdir() if p.is_dir()]
    (edition,) = [p for p in program.iterdir() if p.is_dir()]
    return edition


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """Each engine's package, built on first use: Typst with every format, WeasyPrint PDFs only."""
    cache: dict[str, Path] = {}

    def get(engine: str) -> Path:
        if engine not in cache:
            formats = "docx,xlsx,pdf" if engine == "typst" else "pdf"
            cache[engine] = _build(tmp_path_factory.mktemp(f"layout-{engine}"), "--pdf-engine", engine,
                                   "--format", formats)
        return cache[engine]
    return get


@pytest.fixture(scope="session")
def documents() -> dict:
    return {p.name: p.document for p in program_package(load_program(DATA))}


def _check(job: tuple) -> list[str]:
    path, name, heads, footnotes = job
    return page_problems(str(path), heads, name, footnotes)


def check_pdfs(pdfs: list[tuple[Path, str]], documents: dict, footnotes: bool = False) -> list[str]:
    jobs = [(path, name, expectations(documents[Path(path).stem]),
             footnotes_of(documents[Path(path).stem]) if footnotes else ()) for path, name in pdfs]
    with ProcessPoolExecutor(max_workers=WORKERS) as pool:
        return [p for problems in pool.map(_check, jobs) for p in problems]


@pytest.fixture(scope="session")
def checked(built, documents):
    """Each engine's page problems (:func:`pdf_layout.page_problems`, footnotes included), found once: every
    page is read once for all the checks below."""
    cache: dict[str, list[str]] = {}

    def get(engine: str) -> list[str]:
        if engine not in cache:
            pdfs = sorted(built(engine).glob("*.pdf"))
            assert len(pdfs) == len(documents)
            cache[engine] = check_pdfs([(p, f"{engine}: {p.name}") for p in pdfs], documents, footnotes=True)
        return cache[engine]
    return get


@pytest.mark.parametrize("engine", ENGINES)
def test_every_pdf_page_of_the_default_package(engine, checked):
    problems = checked(engine)
    assert not problems, "\n".join(problems[:40])


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def test_docx_pages_through_libreoffice(built, documents, tmp_path):
    from pdf_layout import NO_RUSSIAN_HYPHENATION, RUSSIAN_HYPHENATION
    office = _soffice()
    if office is None:
        pytest.skip("LibreOffice (soffice) is not installed: the DOCX page checks did not run")
    if not RUSSIAN_HYPHENATION:
        pytest.skip(NO_RUSSIAN_HYPHENATION)
    folder = built("typst")
    docx_files = sorted(folder.glob("*.docx"))
    profile = tmp_path / "lo-profile"
    out = tmp_path / "pdf"
    result = subprocess.run([office, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                             "--outdir", str(out), *map(str, docx_files)], capture_output=True, timeout=900)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == len(docx_files)
    problems = check_pdfs([(p, f"docx via LibreOffice: {p.stem}.docx") for p in pdfs], documents)
    assert not problems, "\n".join(problems[:40])


# --- no traces of the tool in official text --------------------------------------------------

TRACES = [
    (re.compile(r"gosprog", re.I), "the tool's name"),
    (re.compile(r"строк[аеи]\s+\d+\s+файла"), "a line of a source file"),
    (re.compile(r"\(строка\s+\d+\)"), "a line number of the act's text file"),
    (re.compile(r"(?:^|[\s(«\"])(?:[\w.-]+/)+[\w.-]+\.(?:md|ya?ml|py|txt|j2|typ|json|css)\b"), "a file path"),
    (re.compile(r"\b(?:docs|source|data|templates)/"), "a folder of the project"),
]


def official_texts(path: Path) -> str:
    """The printed text of a DOCX (body, headers, footers), an XLSX (every string) or a PDF."""
    if path.suffix == ".pdf":
        from pypdf import PdfReader
        return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist()
                 if (path.suffix == ".docx" and re.match(r"word/(document|header\d*|footer\d*)\.xml$", n))
                 or (path.suffix == ".xlsx" and re.match(r"xl/(sharedStrings|worksheets/sheet\d+)\.xml$", n))]
        text = " ".join(archive.read(n).decode("utf-8") for n in names)
    return re.sub(r"<[^>]+>", " ", text)


def traces_in(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*")):
        if path.suffix not in (".pdf", ".docx", ".xlsx"):
            continue
        text = official_texts(path)
        for pattern, what in TRACES:
            for m in pattern.finditer(text):
                found.append(f"{path.name}: {what}: …{text[max(0, m.start() - 40):m.end() + 20]!r}…")
    return found


def test_no_traces_of_the_tool_in_the_program_package(built):
    folder = built("typst")
    assert len(list(folder.glob("*.docx"))) == len(list(folder.glob("*.pdf"))) > 10
    found = traces_in(folder)
    assert not found, "\n".join(found[:30])


def test_no_traces_in_annual_and_diff_documents(tmp_path):
    runner = CliRunner()
    annual = runner.invoke(main, ["annual", str(DATA), "--year", "2021", "--out", str(tmp_path / "annual")])
    assert annual.exit_code == 0, annual.output
    diff = runner.invoke(main, ["diff", str(DATA / "editions" / "2021-08-17-sample"), str(DATA),
                                "--out", str(tmp_path / "diff")])
    assert diff.exit_code == 0, diff.output
    files = [p for p in tmp_path.rglob("*") if p.suffix in (".pdf", ".docx", ".xlsx")]
    assert any("memo" in p.name or "zapiska" in p.name for p in files) or len(files) >= 6
    found = traces_in(tmp_path)
    assert not found, "\n".join(found[:30])
    # the annual documents and the explanatory note pass the page checks too (no table-header model here)
    pdfs = sorted(tmp_path.rglob("*.pdf"))
    problems = [p for pdf in pdfs for p in page_problems(str(pdf), {}, pdf.name)]
    assert not problems, "\n".join(problems[:30])


def metadata_texts(path: Path) -> str:
    """What a file says about itself: DOCX/XLSX document properties and comment authors, a PDF's info
    dictionary, XMP metadata and file identifier."""
    if path.suffix == ".pdf":
        from pypdf import PdfReader
        reader = PdfReader(str(path))
        info = " ".join(f"{k} {v}" for k, v in (reader.metadata or {}).items())
        xmp = reader.trailer["/Root"].get("/Metadata")
        ids = reader.trailer.get("/ID") or []
        return " ".join([info, xmp.get_object().get_data().decode("utf-8", "replace") if xmp else "",
                         *(bytes(i.original_bytes if hasattr(i, "original_bytes") else i).decode("latin-1")
                           for i in ids)])
    with zipfile.ZipFile(path) as archive:
        return " ".join(archive.read(n).decode("utf-8") for n in archive.namelist()
                        if n.startswith("docProps/") and n.endswith(".xml") or re.search(r"comments\d*\.xml$", n))


def test_no_tool_name_in_any_documents_metadata(built):
    """Official files carry the department (the program's responsible executor), not the tool's name."""
    typst, weasy = built("typst"), built("weasyprint")
    files = [p for folder in (typst, weasy) for p in sorted(folder.iterdir()) if p.suffix in (".pdf", ".docx", ".xlsx")]
    assert {p.suffix for p in files} == {".pdf", ".docx", ".xlsx"}
    found = [f"{p.parent.parent.parent.name}/{p.name}: {m.group(0)}" for p in files
             for m in re.finditer(r".{0,40}(?:gosprog|python-docx|openpyxl|xlsxwriter).{0,20}",
                                  metadata_texts(p), re.I)]
    assert not found, "\n".join(found[:20])
    department = "Департамент социальной защиты населения области"
    for name in ("00-programma-pasport.docx", "01-programma-tablicy.xlsx", "00-programma-pasport.pdf"):
        assert department in metadata_texts(typst / name), name
    assert department in metadata_texts(weasy / "00-programma-pasport.pdf")


def test_provenance_goes_to_the_manifest(built):
    """What the documents no longer say (act lines of lost tables, derived tables) is in manifest.json."""
    import json
    manifest = json.loads((built("typst") / "manifest.json").read_text(encoding="utf-8"))
    notes = {e["file"]: e.get("provenance", []) for e in manifest["files"]}
    assert any("строка 133 файла source/act.txt" in n for n in notes["01-programma-tablicy.pdf"])
    assert any("Таблица 1" in n and "строка 439" in n for n in notes["11-podprogramma-1-tablicy.docx"])
    assert notes["11-podprogramma-1-tablicy.pdf"] == notes["11-podprogramma-1-tablicy.xlsx"]


# --- a tall row and a long vertical merge (shared case data/tall-row-sp2.yaml) ----------------

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "tiny-program"
TALL_ROW = Path(__file__).resolve().parent / "cases" / "tall-row-sp2.yaml"


@pytest.mark.parametrize("engine", ENGINES)
def test_tall_row_keeps_the_header_on_every_page(engine, tmp_path):
    """A 14,000-character cell and a 40-row merge: the rows break (they are taller than a page), and
    every page still starts with the table's header rows (WeasyPrint dropped them)."""
    data = tmp_path / "program"
    shutil.copytree(FIXTURE, data)
    shutil.copyfile(TALL_ROW, data / "subprograms" / "sp2.yaml")
    # The case also carries a vertical tab and a bell (written as YAML escapes): no writer can encode them, so
    # the loader refuses them with their place (issue 20) -- shown here, then the page test runs without them.
    refused = CliRunner().invoke(main, ["validate", str(data)])
    assert refused.exit_code == 1 and "sp2.yaml:225" in refused.output and "U+000B" in refused.output
    case = TALL_ROW.read_text(encoding="utf-8").replace("\\v", " ").replace("\\x07", " ")
    (data / "subprograms" / "sp2.yaml").write_text(case, encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(data), "--out", str(tmp_path / "out"), "--quiet", "--jobs", "1",
                                       "--format", "pdf", "--pdf-engine", engine, "--only", "prilozheniya",
                                       "--force"])   # its ₽, emoji and ⸺ have no glyph (G02): printed as [U+…]
    assert result.exit_code == 0, result.output
    (pdf,) = (tmp_path / "out").rglob("*prilozheniya.pdf")
    documents = {p.name: p.document for p in program_package(load_program(data))}
    heads = expectations(documents[pdf.stem])
    assert heads
    import pdfplumber
    with pdfplumber.open(str(pdf)) as opened:
        assert len(opened.pages) > 3
    problems = [p for p in page_problems(str(pdf), heads, pdf.name) if "without its header" in p or "blank" in p]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("engine", ENGINES)
def test_no_footnote_alone_on_a_page(engine, checked, documents):
    """A table's footnote stays with the table's last rows (WeasyPrint put it alone on SP2 tables p. 11)."""
    assert sum(bool(footnotes_of(d)) for d in documents.values()) >= 5        # the check has footnotes to find
    found = [p for p in checked(engine) if "a footnote alone on a page" in p]
    assert not found, found

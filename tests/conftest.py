"""Shared fixtures: the representative table (a shortened SP1 "Таблица 4") and helpers.

The figures are the real ones of subprogram 1, table 4, rows 1 and 2
(data/social-support-vologda/subprograms/sp1.yaml, act lines 759 and 786).
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The tests read the product's messages in its default language, Russian, whatever the locale of the machine
# running them (an English LANG would otherwise switch the interface); tests of other languages set their own.
import os  # noqa: E402

os.environ.setdefault("GOSPROG_LANG", "ru")

from generator import model  # noqa: E402

D = Decimal

YEARS = [2021, 2022, 2023, 2024, 2025]
HEADER_TEXTS = [
    "N п/п",
    "Статус",
    "Наименование подпрограммы, основного мероприятия",
    "Ответственный исполнитель подпрограммы, исполнитель",
    "Источник финансового обеспечения",
]
EXPENSES = "Расходы (тыс. руб.)"
TOTAL_YEARS = "всего за 2021 - 2025 годы"
SOURCES = (
    "всего, в том числе",
    "собственные доходы областного бюджета",
    "субвенции и субсидии федерального бюджета",
)
TITLE = "Финансовое обеспечение реализации основных мероприятий подпрограммы 1"
NOTICE = "Образец (условные данные)"

# SP1 table 4, row 1 ("Подпрограмма 1", executor "итого") and row 2 (the department).
# Per row: (total, own, federal), each five years then the 2021-2025 total, as in the YAML.
SP1_ROWS = [
    {
        "no": "1.",
        "status": "Подпрограмма 1",
        "name": "Предоставление мер социальной поддержки отдельным категориям граждан",
        "executor": "итого",
        "values": (
            ([D("15736027.0"), D("14741030.9"), D("14789819.8"), D("7291599.6"), D("7291599.6")], D("59850076.9")),
            ([D("9003926.0"), D("8627364.9"), D("8626979.5"), D("7291599.6"), D("7291599.6")], D("40841469.6")),
            ([D("6732101.0"), D("6113666.0"), D("6162840.3"), D("0.0"), D("0.0")], D("19008607.3")),
        ),
    },
    {
        "no": "2.",
        "status": None,
        "name": None,
        "executor": "Департамент социальной защиты населения области",
        "values": (
            ([D("15736027.0"), D("11560898.2"), D("11600468.6"), D("7291599.6"), D("7291599.6")], D("59850076.9")),
            ([D("9003926.0"), D("8627364.9"), D("8626979.5"), D("7291599.6"), D("7291599.6")], D("40841469.6")),
            ([D("6732101.0"), D("6113666.0"), D("6162840.3"), D("0.0"), D("0.0")], D("19008607.3")),
        ),
    },
]

# Where things land in the table grid (0-based column indexes).
COL_NO, COL_STATUS, COL_NAME, COL_EXECUTOR, COL_SOURCE = range(5)
FIRST_YEAR_COL, TOTAL_COL = 5, 10
WIDTH = 11


def columns() -> list[model.Column]:
    return [
        model.Column(width=0.6, align="center"),
        model.Column(width=1.4),
        model.Column(width=3.0),
        model.Column(width=2.2),
        model.Column(width=2.0),
        *[model.Column(width=1.3, align="right", kind="number", decimals=1) for _ in YEARS],
        model.Column(width=1.4, align="right", kind="number", decimals=1,
                     sum_of=[FIRST_YEAR_COL + i for i in range(len(YEARS))]),
    ]


def header_rows() -> list[model.Row]:
    row1 = [model.Cell(text, rowspan=2) for text in HEADER_TEXTS] + [model.Cell(EXPENSES, colspan=6)]
    row2 = [model.Cell(f"{y} год") for y in YEARS] + [model.Cell(TOTAL_YEARS)]
    return [model.Row(row1), model.Row(row2)]


def block_rows(first_index: int, no: str, status, name, executor, values) -> list[model.Row]:
    """Three funding-source rows; the first four cells span them (rowspan=3)."""
    rows = []
    for k, (label, (years, total)) in enumerate(zip(SOURCES, values)):
        cells = []
        if k == 0:
            cells = [model.Cell(no, rowspan=3), model.Cell(status, rowspan=3),
                     model.Cell(name, rowspan=3), model.Cell(executor, rowspan=3)]
        cells.append(model.Cell(label))
        cells.extend(model.Cell(v) for v in years)
        cells.append(model.Cell(total))
        # as the builders do: a total its years do not give keeps the printed figure (no formula)
        rows.append(model.Row(cells, style="total" if k == 0 else "normal", keep_values=sum(years) != total))
    # the "всего" line is declared the sum of the two source lines only where it is (block 1; the act's
    # block 2 prints 11 560 898,2 for 2022 against 14 741 030,9 of its sources)
    if all(t == a + b for t, a, b in zip([*values[0][0], values[0][1]], [*values[1][0], values[1][1]],
                                         [*values[2][0], values[2][1]])):
        rows[0].sum_of = rows[1:]
    return rows


def sp1_body() -> list[model.Row]:
    body: list[model.Row] = []
    for spec in SP1_ROWS:
        body.extend(block_rows(len(body), spec["no"], spec["status"], spec["name"],
                               spec["executor"], spec["values"]))
    return body


def make_table(body: list[model.Row] | None = None) -> model.Table:
    return model.Table(columns(), header_rows(), sp1_body() if body is None else body,
                       numbering=True, id=None)


def make_document(n_rows: int | None = None, *, notice: str | None = None,
                  extra_texts: list[str] | None = None) -> model.Document:
    """The representative document.

    ``n_rows=None``: the two real SP1 blocks (6 body rows). Otherwise ``n_rows``
    body rows made of repeated 3-row blocks (the last block cut short), enough to
    run over several pages. ``extra_texts`` become more single-row blocks whose
    name cell holds each text (for injection tests).
    """
    doc = model.Document(title=TITLE, notice=notice, date=dt.datetime(2021, 8, 30, 12, 0, 0))
    section = doc.section("landscape")
    section.add(
        model.right_caption("Приложение 1", "к государственной программе"),
        model.Paragraph.of("Таблица 4", align="right"),
        model.Heading(TITLE),
    )
    if n_rows is None:
        body = sp1_body()
    else:
        body = long_body(n_rows)
    for text in extra_texts or []:
        body.append(model.Row([model.Cell(str(len(body) + 1)), model.Cell("Статус"), model.Cell(text),
                               model.Cell(text), model.Cell(SOURCES[1]),
                               *[model.Cell(D("1.0")) for _ in YEARS], model.Cell(D("5.0"))]))
    section.add(make_table(body))
    return doc


def long_body(n_rows: int) -> list[model.Row]:
    """``n_rows`` body rows: blocks of three with distinct names and real-looking figures."""
    body: list[model.Row] = []
    block = 0
    while len(body) < n_rows:
        block += 1
        spec = SP1_ROWS[block % 2]
        rows = block_rows(len(body), f"{block}.", f"Основное мероприятие 1.{block}",
                          f"Мероприятие номер {block}", spec["executor"], spec["values"])
        left = n_rows - len(body)
        if left < 3:       # cut the last block: keep spans inside the table
            rows = [model.Row([model.Cell(f"{block}."), model.Cell(None), model.Cell(f"Мероприятие номер {block}"),
                               model.Cell(spec["executor"]), model.Cell(SOURCES[1]),
                               *[model.Cell(v) for v in spec["values"][1][0]], model.Cell(spec["values"][1][1])])
                    for _ in range(left)]
        body.extend(rows)
    return body


# --- helpers --------------------------------------------------------------


def normalise(text: str) -> str:
    """Extracted PDF text with NBSP (and narrow NBSP) as ordinary spaces.

    The Typst engine keeps numbers on one line with NBSP; after this
    ``15 736 027,0`` reads the same from both engines.
    """
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def pdf_pages_text(data: bytes) -> list[str]:
    """The normalised text of every page."""
    return [normalise(page.extract_text() or "") for page in pdf_reader(data).pages]


SOFT_BREAKS = dict.fromkeys(map(ord, "\u00ad\u2010"), None)


def squash(text: str) -> str:
    """Text with all whitespace and hyphenation marks removed (U+00AD from Typst,
    U+2010 from WeasyPrint): for finding texts that wrap or hyphenate in narrow cells."""
    return "".join(normalise(text).translate(SOFT_BREAKS).split())


def pdf_xmp(data: bytes) -> bytes:
    """The document's XMP metadata stream, decoded (b"" when there is none)."""
    root = pdf_reader(data).trailer["/Root"]
    meta = root.get("/Metadata")
    return meta.get_object().get_data() if meta is not None else b""


def pdf_reader(data: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data))


def render_pdf(document: model.Document, tmp_path: Path, engine: str, name: str = "out.pdf", **options) -> bytes:
    from generator import writers

    path = writers.write(document, tmp_path / name, pdf_engine=engine, **options)
    return path.read_bytes()


@pytest.fixture
def sp1_document() -> model.Document:
    return make_document()


@pytest.fixture
def sp1_table() -> model.Table:
    return make_table()


LONG_ROWS = 300


@pytest.fixture(scope="session")
def long_pdf(tmp_path_factory):
    """``long_pdf(engine)``: a 300-row table with a notice, rendered once per engine per session."""
    from generator import writers

    cache: dict[str, bytes] = {}
    folder = tmp_path_factory.mktemp("long")

    def get(engine: str) -> bytes:
        if engine not in cache:
            doc = make_document(LONG_ROWS, notice=NOTICE)
            cache[engine] = writers.write(doc, folder / f"long-{engine}.pdf", pdf_engine=engine).read_bytes()
        return cache[engine]

    return get


# --- quarterly reporting: the default subsidy data and a fresh registry ----------------------------------


@pytest.fixture(scope="session", autouse=True)
def secret_key_file(tmp_path_factory):
    """Every test signs and checks forms with a key of its own session, never the user's real key
    (~/.config/gosprog/secret.key): GOSPROG_SECRET_KEY_FILE points into the session's temporary folder."""
    import os
    from generator.quarterly.secretkey import ENV
    path = tmp_path_factory.mktemp("secret-key") / "secret.key"
    old = os.environ.get(ENV)
    os.environ[ENV] = str(path)
    yield path
    if old is None:
        os.environ.pop(ENV, None)
    else:
        os.environ[ENV] = old


@pytest.fixture(scope="module")
def data():
    """The default program's subsidy data (municipalities, subsidies, forms, sample agreements)."""
    from generator.quarterly.load import load_subsidies
    return load_subsidies(ROOT / "data" / "social-support-vologda")


@pytest.fixture
def registry(tmp_path):
    """An empty submissions registry in the test's own folder."""
    from generator.quarterly.registry import Registry
    with Registry(tmp_path / "registry") as reg:
        yield reg


def record_fetchers(monkeypatch) -> list:
    """Collect every URL fetcher the WeasyPrint engine makes (each records what it was asked for)."""
    from generator.writers import html_pdf
    made: list = []
    original = html_pdf.url_fetcher_for

    def wrapper(tpl):
        fetcher = original(tpl)
        made.append(fetcher)
        return fetcher

    monkeypatch.setattr(html_pdf, "url_fetcher_for", wrapper)
    return made


# --- the locked environment (requirements.lock), reported at the start of every run ------------------------


def locked_versions() -> dict[str, str]:
    """``{"jinja2": "3.1.6", …}`` from requirements.lock (names normalised as in PEP 503)."""
    import re

    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        found = re.match(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", line)
        if found:
            pins[re.sub(r"[-_.]+", "-", found.group(1)).lower()] = found.group(2)
    return pins


def lock_mismatches() -> dict[str, tuple[str, str | None]]:
    """Locked packages whose installed version differs: ``{name: (locked, installed or None)}``."""
    from importlib import metadata

    out = {}
    for name, version in locked_versions().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            out[name] = (version, installed)
    return out


def pytest_sessionstart(session):
    """Print which versions this run uses (also under ``-q``, which hides pytest's own header), and give
    LibreOffice and Chromium the bundled fonts when the system's are hidden (as CI runs the suite)."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = lock_report() + bundled_fonts_for_external_programs()
    if reporter is not None:
        for line in lines:
            reporter.write_line(line)


def bundled_fonts_for_external_programs() -> list[str]:
    """Where no system font is visible, point fontconfig (``FONTCONFIG_FILE``) at the bundled fonts.

    gosprog itself never needs system fonts, but LibreOffice (DOCX/XLSX round trips) and Chromium (the
    portal's browser test) cannot start without any font; they then see Liberation Serif only.
    """
    import os
    import tempfile

    folders = [Path(d) for d in ("/usr/share/fonts", "/usr/local/share/fonts")]
    if os.environ.get("FONTCONFIG_FILE") or any(
            p.suffix.lower() in (".ttf", ".otf", ".ttc", ".pfb") for d in folders if d.is_dir() for p in d.rglob("*")):
        return []
    from generator import fonts
    config = Path(tempfile.mkdtemp(prefix="gosprog-fontconfig-")) / "fonts.conf"
    config.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
                      f"<fontconfig><dir>{fonts.folder()}</dir><cachedir>{config.parent / 'cache'}</cachedir>"
                      "</fontconfig>\n", encoding="utf-8")
    os.environ["FONTCONFIG_FILE"] = str(config)
    return [f"system fonts hidden: LibreOffice and Chromium use the bundled fonts (FONTCONFIG_FILE={config})"]


def lock_report() -> list[str]:
    pins = locked_versions()
    wrong = lock_mismatches()
    key = ", ".join(f"{n} {pins[n]}" for n in ("typst", "weasyprint", "python-docx", "openpyxl", "jinja2") if n in pins)
    if not wrong:
        return [f"locked environment: all {len(pins)} packages of requirements.lock at their locked versions ({key})"]
    return [f"locked environment: {len(wrong)} of {len(pins)} packages differ from requirements.lock: "
            + ", ".join(f"{n} {v[1] or 'missing'} (locked {v[0]})" for n, v in sorted(wrong.items()))]


def rezip(content: bytes, replace: dict[str, bytes]) -> bytes:
    """The same zip package (an XLSX) with some parts replaced: names, order and the other parts' bytes kept."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
    return out.getvalue()


# --- scheduling the suite on the machine's cores (make test: pytest-xdist, --dist loadfile) ---------------------

#: CPU seconds of the costliest test files (whole-suite profile of 2026-11-30, 2 cores; the rest take < 10 s).
#: The suite's wall time is set by its longest file started last, so they are handed out first (longest
#: processing time first); pytest-xdist's own reordering puts files with MANY tests first, which sent the
#: few long page checks to the end.
COSTLY_FILES = {
    "tests/test_layout.py": 236, "tests/test_layout_any_program.py": 150, "tests/test_layout_municipal.py": 110,
    "tests/test_annual_cycle.py": 64, "tests/test_cross_format.py": 76, "tests/test_atomic_build.py": 61,
    "tests/test_pdf_writers.py": 47, "tests/test_package.py": 41, "tests/test_quarterly.py": 40,
    "tests/test_validate_gate.py": 33, "tests/test_package_ops.py": 24, "tests/test_environment.py": 22,
    "tests/test_properties.py": 20, "tests/test_amend.py": 18, "tests/portal/test_portal_security.py": 17,
}


def pytest_collection_modifyitems(config, items):
    """The costliest test files first (stable otherwise: a file's tests stay together and in order). With
    ``--dist loadfile --no-loadscope-reorder`` (the Makefile's) pytest-xdist hands out whole files in this
    order; without xdist only the order changes."""
    items.sort(key=lambda item: -COSTLY_FILES.get(item.nodeid.split("::")[0], 0))

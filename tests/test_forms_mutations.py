"""Issue 19: a genuine filled form, mutated at the zip and at the XML level, is never a traceback and is never
accepted with figures other than those openpyxl -- and, where it is installed, LibreOffice -- reads from the
same file. Plus the round trip through LibreOffice Calc of a form filled by a person."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import shutil
import subprocess
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from conftest import rezip

from generator.quarterly.forms import SHEET, FormLayout, generate
from generator.quarterly.intake import import_bytes
from generator.quarterly.registry import Registry
from generator.quarterly.sample import fill
from generator.quarterly.schema import SampleSubmission

RECEIVED = dt.date(2021, 4, 5)
D = Decimal
SHEET_XML = "xl/worksheets/sheet1.xml"
TYPED = {"regional": {"received": D("100000.10"), "used": D("80000.25")},
         "local": {"received": D("10000.00"), "used": D("8000.00")}}
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="module", autouse=True)
def fixed_key(tmp_path_factory):
    """A fixed key for this module, so that the form's bytes, and so the seeded mutants, are the same in
    every run (the session's key is random)."""
    import os
    from generator.quarterly.secretkey import ENV
    path = tmp_path_factory.mktemp("fixed-key") / "secret.key"
    path.write_text("5a" * 32 + "\n")
    path.chmod(0o600)
    old = os.environ[ENV]
    os.environ[ENV] = str(path)
    yield
    os.environ[ENV] = old


@pytest.fixture(scope="module")
def filled(data) -> bytes:
    spec = data.form_of("camps")
    form = generate(spec, data.subsidies["camps"], data.municipalities["babaevsky"],
                    data.agreement("camps", "babaevsky", 2021), 2021, 1, sample=True)
    return fill(form, spec, SampleSubmission(subsidy="camps", municipality="babaevsky", quarter=1,
                                             submitted=RECEIVED, values=TYPED))


# --- mutations ----------------------------------------------------------------------------------------------------

VALUE_TEXTS = st.one_of(
    st.decimals(min_value=-10**14, max_value=10**14, allow_nan=False, allow_infinity=False, places=2).map(str),
    st.decimals(min_value=0, max_value=10**6, allow_nan=False, allow_infinity=False, places=4).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1E+1000000", "-0", "1e-400", "INF", "NaN", "", " 1", "1,5", "0x10", "44326", "1" * 30,
                     "100000.10000000001", "9" * 5000, "1_000"]),
    st.text(max_size=12))
ATTRS = st.sampled_from(["t", "s", "r"])
ATTR_VALUES = st.one_of(st.sampled_from(["s", "str", "b", "e", "inlineStr", "d", "n", "x", "0", "14", "999999",
                                         "-1", "C11", "D12", "A1048577", "11x", ""]), st.text(max_size=6))


@st.composite
def xml_mutation(draw, xml: str):
    """One or two edits of the report sheet's XML: a value's text, an attribute of a cell or row, an element
    inserted or a tag removed."""
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["value", "attr", "insert", "drop"]))
        if kind == "value":
            spots = list(re.finditer(r"<v>([^<]*)</v>", xml))
            m = draw(st.sampled_from(spots))
            text = draw(VALUE_TEXTS).replace("&", "&amp;").replace("<", "&lt;")
            xml = xml[:m.start(1)] + text + xml[m.end(1):]
        elif kind == "attr":
            spots = list(re.finditer(r'<(?:c|row) [^>]*?\b(t|s|r)="([^"]*)"', xml))
            m = draw(st.sampled_from(spots))
            value = draw(ATTR_VALUES).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            xml = xml[:m.start(2)] + value + xml[m.end(2):]
        elif kind == "insert":
            spots = [m.end() for m in re.finditer(r"<row [^>]*>|</c>|<sheetData>", xml)]
            at = draw(st.sampled_from(spots))
            piece = draw(st.sampled_from(['<c r="C11"><v>5</v></c>', '<c r="Z99" t="s"><v>0</v></c>',
                                          '<c r="C11" t="inlineStr"><is><t>1</t></is></c>', "<c/>", "<x/>",
                                          '<row r="11"><c r="C11"><v>7</v></c></row>', "<v>3</v>",
                                          '<c r="D11"><f>1+1</f><v>2</v></c>']))
            xml = xml[:at] + piece + xml[at:]
        else:
            spots = list(re.finditer(r"</?[a-zA-Z]+[^>]*>", xml))
            m = draw(st.sampled_from(spots))
            xml = xml[:m.start()] + xml[m.end():]
    return xml


@st.composite
def zip_mutation(draw, content: bytes):
    """Bytes of the package changed: flipped, truncated, an entry's flags or method, an entry dropped or
    added twice."""
    kind = draw(st.sampled_from(["flip", "truncate", "flags", "method", "drop", "duplicate"]))
    data = bytearray(content)
    if kind == "flip":
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] ^= draw(st.integers(1, 255))
        return bytes(data)
    if kind == "truncate":
        return bytes(data[:draw(st.integers(0, len(data) - 1))])
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    name = draw(st.sampled_from(names))
    if kind in ("flags", "method"):
        offsets = [m.start() for m in re.finditer(rb"PK\x03\x04|PK\x01\x02", content)]
        at = draw(st.sampled_from(offsets))
        field = (6 if data[at + 2] == 3 else 8) + (2 if kind == "method" else 0)
        value = draw(st.sampled_from([1, 8, 9, 12, 14, 99] if kind == "method" else [1, 8, 64, 0x41, 0x800]))
        data[at + field:at + field + 2] = value.to_bytes(2, "little")
        return bytes(data)
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == name and kind == "drop":
                continue
            target.writestr(info.filename, source.read(info.filename))
            if info.filename == name and kind == "duplicate":
                target.writestr(info.filename.upper() if draw(st.booleans()) else info.filename, b"<x/>")
    return out.getvalue()


# --- the oracle ---------------------------------------------------------------------------------------------------


def openpyxl_inputs(content: bytes, spec) -> dict:
    """The input cells as plain openpyxl reads them (empty as 0, numbers exact from the double it read)."""
    ws = load_workbook(io.BytesIO(content))[SHEET]
    layout = FormLayout(spec)
    out = {}
    for row, col in layout.input_cells():
        value = ws[layout.ref(row, col)].value
        out[(row, col)] = D(0) if value is None else D(repr(value)) if isinstance(value, float) else D(value)
    return out


def assert_same_figures(figures: dict, read: dict) -> None:
    for (row, col), value in read.items():
        ours = figures[row][col]
        assert abs(ours - value) <= abs(value) * D("1e-14"), (row, col, ours, value)


def check_import(data, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as work, Registry(Path(work) / "registry") as registry:
        result = import_bytes(content, "m.xlsx", data, registry, RECEIVED)        # must not raise
        for problem in result.problems:
            text = str(problem)
            assert text and f"[{problem.code}]" not in text and "Traceback" not in text
        if result.status == "accepted":
            assert_same_figures(result.submission.figures, openpyxl_inputs(content, data.form_of("camps")))


SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])


@SETTINGS
@given(st.data())
def test_xml_mutation_never_a_traceback_never_other_figures(data, filled, draw):
    xml = zipfile.ZipFile(io.BytesIO(filled)).read(SHEET_XML).decode("utf-8")
    mutated = draw.draw(xml_mutation(xml))
    check_import(data, rezip(filled, {SHEET_XML: mutated.encode("utf-8")}))


@SETTINGS
@given(st.data())
def test_zip_mutation_never_a_traceback_never_other_figures(data, filled, draw):
    check_import(data, draw.draw(zip_mutation(filled)))


# --- LibreOffice --------------------------------------------------------------------------------------------------


def _soffice(args: list[str], work: Path) -> None:
    profile = (work / "lo-profile").as_uri()
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", *args], cwd=work, check=True,
                   capture_output=True, timeout=240)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: the round trip through "
                                            "LibreOffice Calc is not checked")
def test_form_saved_by_libreoffice_is_accepted_with_the_typed_figures(data, filled, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "form.xlsx").write_bytes(filled)
    _soffice(["--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(tmp_path / "out"),
              str(tmp_path / "in" / "form.xlsx")], tmp_path)
    saved = (tmp_path / "out" / "form.xlsx").read_bytes()
    assert b"sharedStrings" in saved and saved != filled                  # really written by LibreOffice
    with Registry(tmp_path / "registry") as registry:
        result = import_bytes(saved, "lo.xlsx", data, registry, RECEIVED)
    assert result.status == "accepted", [str(p) for p in result.problems]
    figures = result.submission.figures
    assert {r: {c: figures[r][c] for c in cols} for r, cols in TYPED.items()} == TYPED
    assert figures["regional"]["balance"] == D("19999.85")


def _mutants(filled: bytes, count: int) -> list[bytes]:
    """Seeded mutants of both kinds (the same families as the hypothesis tests)."""
    xml = zipfile.ZipFile(io.BytesIO(filled)).read(SHEET_XML).decode("utf-8")
    out = []
    for seed in range(count):
        rnd = random.Random(seed)
        if seed % 2:
            out.append(_rnd_zip(filled, rnd))
        else:
            out.append(rezip(filled, {SHEET_XML: _rnd_xml(xml, rnd).encode("utf-8")}))
    return out


def _rnd_xml(xml: str, rnd: random.Random) -> str:
    spots = list(re.finditer(r"<v>([^<]*)</v>", xml))
    m = rnd.choice(spots)
    text = rnd.choice(["1E+1000000", "100000.10000000001", "12345.678", "-5", "7", "44326", "1e2", "0.1", ""])
    return xml[:m.start(1)] + text + xml[m.end(1):]


def _rnd_zip(content: bytes, rnd: random.Random) -> bytes:
    data = bytearray(content)
    for _ in range(rnd.randint(1, 3)):
        data[rnd.randrange(len(data))] ^= rnd.randint(1, 255)
    return bytes(data)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: mutated forms are compared "
                                            "with openpyxl only")
def test_accepted_mutants_have_the_figures_libreoffice_reads(data, filled, tmp_path):
    accepted = []
    with Registry(tmp_path / "registry") as registry:
        for i, content in enumerate(_mutants(filled, 24)):
            result = import_bytes(content, f"m{i}.xlsx", data, registry, RECEIVED)
            if result.status == "accepted":
                path = tmp_path / "in" / f"m{i}.xlsx"
                path.parent.mkdir(exist_ok=True)
                path.write_bytes(content)
                accepted.append((path, result.submission.figures))
    assert accepted, "some mutants keep the form valid"
    _soffice(["--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,false,false",
              "--outdir", str(tmp_path / "csv"), *[str(p) for p, _ in accepted]], tmp_path)
    layout = FormLayout(data.form_of("camps"))
    for path, figures in accepted:
        rows = list(csv.reader((tmp_path / "csv" / (path.stem + ".csv")).read_text(encoding="utf-8").splitlines()))
        for row, col in layout.input_cells():
            shown = rows[layout.row_of(row) - 1][layout.col_of(col) - 1] if len(rows) >= layout.row_of(row) else ""
            value = D(shown) if shown.strip() else D(0)
            assert abs(figures[row][col] - value) <= abs(value) * D("1e-14"), (path.name, row, col, shown)

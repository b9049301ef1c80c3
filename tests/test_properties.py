"""Property-based tests (hypothesis).

(a) random, consistent financing figures in the tiny program's subprogram table 4 come back from
    the XLSX exactly (values and live SUM formulas);
(b) random bytes, random YAML and randomly mutated program files never crash ``load_program``:
    only DataError / DataErrors;
(c) random fills of a generated quarterly form never crash ``import_bytes``; accepted imports hold
    exactly the figures that were typed in; forms filled within the rules are accepted;
(d) calculations: the subsidy return is between 0 and V × coefficient, effectiveness stays within its
    caps, and Russian number formatting round-trips through ``parse_number``.

The normal run uses the "default" profile (few examples); ``make fuzz`` runs the "fuzz" profile
(HYPOTHESIS_PROFILE=fuzz, 1000 examples per property).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import re
import shutil
import tempfile
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter

from conftest import ROOT
from generator import calc, numbers
from generator.data import DataError, DataErrors, load_program
from generator.effectiveness import (CalculationError, achievement, cofinancing_return, effectiveness,
                                     rubles, subsidy_return)

settings.register_profile("default", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("fuzz", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

FIXTURE = ROOT / "tests" / "fixtures" / "tiny-program"
DATA = ROOT / "data" / "social-support-vologda"
D = Decimal
TENTH = D("0.1")
KOPECK = D("0.01")


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):          # program data refuses YAML aliases: write every value out
        return True


def _decimal_scalar(dumper, value: Decimal):
    text = format(value, "f")
    if "." not in text:
        text += ".0"
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


_Dumper.add_representer(Decimal, _decimal_scalar)


def dump(data) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --- (a) financing figures round-trip through XLSX ------------------------------------------------------

YEARS = 3
SOURCES = ("own", "federal", "municipal")
amounts = st.integers(min_value=0, max_value=10 ** 10).map(lambda n: D(n).scaleb(-1))   # 0.0 … 10^9, one decimal
year_amounts = st.lists(amounts, min_size=YEARS, max_size=YEARS)


@st.composite
def table4(draw) -> dict:
    """Figures for SP1 table 4: two items of activity 1.1 (own, federal, municipal per year) and activity
    1.2 (own only); every higher row is computed, so each control relation of the table holds."""
    item1 = {s: draw(year_amounts) for s in SOURCES}
    item2 = {s: draw(year_amounts) for s in SOURCES}
    act2_own = draw(year_amounts)

    def add(*vectors):
        return [sum(v, D(0)) for v in zip(*vectors)]

    act1 = {s: add(item1[s], item2[s]) for s in SOURCES}
    sub = {"own": add(act1["own"], act2_own), "federal": act1["federal"], "municipal": act1["municipal"]}
    zeros = [D("0.0")] * YEARS
    edu = {"own": act2_own, "federal": zeros, "municipal": zeros}
    # rows of sp1.yaml in order: subprogram, executor (social), executor (education), activity 1.1,
    # items 1.1.1 and 1.1.2, activity 1.2 (own only)
    return {"rows": [sub, act1, edu, act1, item1, item2, {"own": act2_own}]}


def lines_of(row: dict) -> list[tuple[str, list[Decimal]]]:
    if set(row) == {"own"}:
        return [("own", row["own"])]
    total = [a + b + c for a, b, c in zip(row["own"], row["federal"], row["municipal"])]
    return [("total", total)] + [(s, row[s]) for s in SOURCES]


def write_table4(folder: Path, figures: dict) -> list[list[Decimal]]:
    """Write the figures into subprograms/sp1.yaml; returns the expected printed lines (years + total)."""
    path = folder / "subprograms" / "sp1.yaml"
    data = load_yaml(path)
    expected = []
    rows = data["financing"]["rows"]
    assert len(rows) == len(figures["rows"])
    for row, fig in zip(rows, figures["rows"]):
        lines = lines_of(fig)
        assert [s["source"] for s in row["sources"]] == [k for k, _ in lines]
        for source, (key, values) in zip(row["sources"], lines):
            source["values"] = list(values)
            source["total"] = sum(values, D(0))
            expected.append(list(values) + [source["total"]])
    path.write_text(dump(data), encoding="utf-8")
    return expected


REF = re.compile(r"^([A-Z]+)(\d+)$")


def cell_value(ws, ref: str, depth: int = 0) -> Decimal:
    """A cell as a number: numeric cells as written, formula cells evaluated (only SUM of references)."""
    assert depth < 20, "formula cycle"
    cell = ws[ref]
    if cell.data_type == "f":
        match = re.fullmatch(r"=SUM\(([A-Z0-9:,]+)\)", cell.value)
        assert match, f"{ref}: unexpected formula {cell.value!r}"
        total = D(0)
        for part in match.group(1).split(","):
            if ":" in part:
                first, last = part.split(":")
                c1, r1 = REF.match(first).groups()
                c2, r2 = REF.match(last).groups()
                for r in range(int(r1), int(r2) + 1):
                    for c in range(column_index_from_string(c1), column_index_from_string(c2) + 1):
                        total += cell_value(ws, f"{get_column_letter(c)}{r}", depth + 1)
            else:
                total += cell_value(ws, part, depth + 1)
        return total
    assert isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool), (ref, cell.value)
    return D(str(cell.value)).quantize(TENTH)


@pytest.fixture(scope="module")
def fixture_copy(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("tiny") / "tiny-program"
    shutil.copytree(FIXTURE, base)
    return base


@given(figures=table4())
def test_financing_figures_round_trip_through_xlsx(figures, fixture_copy):
    from generator.builders import subprogram as subprogram_builders
    from generator.writers import xlsx

    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "tiny-program"
        shutil.copytree(fixture_copy, folder)
        expected = write_table4(folder, figures)
        program = load_program(folder)
    sub = program.subprograms[0]
    workbook = load_workbook(io.BytesIO(xlsx.render(subprogram_builders.tables_document(program, sub))))
    ws = next(w for w in workbook.worksheets if w.title.startswith("Таблица 4"))
    numbering = next(r for r in range(1, ws.max_row + 1)
                     if ws.cell(r, 1).value == "1" and ws.cell(r, 2).value == "2")
    body = numbering + 1
    assert ws.max_row == body + len(expected) - 1
    for offset, line in enumerate(expected):
        row = body + offset
        got = [cell_value(ws, f"{col}{row}") for col in "FGHI"]
        assert got == [v.quantize(TENTH) for v in line], (row, got, line)
    for r in range(body, ws.max_row + 1):
        for c in range(6, 10):
            cell = ws.cell(r, c)
            assert cell.data_type in ("n", "f"), (cell.coordinate, cell.value)


# --- (b) load_program never crashes -----------------------------------------------------------------------

PROGRAM_TEXT = (FIXTURE / "program.yaml").read_text(encoding="utf-8")
SP1_TEXT = (FIXTURE / "subprograms" / "sp1.yaml").read_text(encoding="utf-8")

# YAML-significant pieces, including explicit tags whose constructors PyYAML runs unguarded.
TOKENS = ["a", "code", "title", "years", "passport", "financing", "rows", "values", "sources", ": ", ":", "- ",
          "-", "[", "]", "{", "}", ", ", ",", "\n", "\n  ", "  ", "\t", "'", '"', "#", "&x ", "*x", "&", "*",
          "!!str ", "!!float ", "!!null ", "!!binary ", "!!set ", "!!omap ", "!!map ", "!!seq ", "!!merge ",
          "!!python/object:os.system ", "!!int ", "!!bool ", "!!timestamp ", "!foo ", "!", "<<: ", "? ", "|", ">", "---", "...", "%YAML 1.1\n",
          "%TAG ! tag:x,2000:\n", "1", "0.1", "-0.0", "1e999", "1E5", ".nan", ".inf", "-.inf", "0x1F", "0o7",
          "1_000", "1:30", "~", "null", "true", "no", "х", "2021-02-30", "2021-01-01", "2021-01-01 10:00:00",
          "\ufeff", "\x00", "\x85", "\u2028", "\\", "\\x", "@", "`", "%", "2024", "Р1", "ё"]

yaml_snippets = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)


def _mutate(text: str, edits) -> str:
    for position, delete, insert in edits:
        p = position % (len(text) + 1)
        text = text[:p] + insert + text[p + delete:]
    return text


def mutations(base: str):
    edit = st.tuples(st.integers(0, 10 ** 6), st.integers(0, 8),
                     st.sampled_from(TOKENS) | st.text(max_size=4))
    return st.lists(edit, min_size=1, max_size=6).map(lambda edits: _mutate(base, edits))


def _paths(value, at=()):
    yield at
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, at + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, at + (i,))


PROGRAM_DATA = load_yaml(FIXTURE / "program.yaml")
SP1_DATA = load_yaml(FIXTURE / "subprograms" / "sp1.yaml")
PROGRAM_PATHS = [p for p in _paths(PROGRAM_DATA) if p]
SP1_PATHS = [p for p in _paths(SP1_DATA) if p]

scalars = (st.none() | st.booleans() | st.integers(-10 ** 18, 10 ** 18)
           | st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-10 ** 16, max_value=10 ** 16)
           | st.text(max_size=20) | st.sampled_from(["-", "х", "x", "", "2 441 409,8", "1e5", "P1", "Р1"])
           | st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


def _set(data, path, value, delete: bool):
    import copy
    data = copy.deepcopy(data)
    target = data
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


def structural(data, paths):
    change = st.tuples(st.sampled_from(paths), values, st.booleans())

    def apply(changes):
        out = data
        for path, value, delete in changes:
            try:
                out = _set(out, path, value, delete)
            except (KeyError, IndexError, TypeError):
                pass                        # the path went away with an earlier change
        return dump(out)
    return st.lists(change, min_size=1, max_size=4).map(apply)


def assert_loads_or_data_error(folder: Path) -> None:
    try:
        load_program(folder)
    except DataErrors as exc:
        assert exc.errors and all(isinstance(e, DataError) for e in exc.errors)
        for e in exc.errors:
            assert str(e) and "Traceback" not in str(e)
    except DataError as exc:
        assert str(exc)


def _program_copy(work: str) -> Path:
    folder = Path(work) / "p"
    shutil.copytree(FIXTURE, folder)
    return folder


deep = st.tuples(st.integers(200, 3000), st.sampled_from(["[", "{a: ", "- ", "[{a: "])).map(
    lambda t: (t[1] * t[0] + "1").encode())            # nesting past Python's recursion limit
program_file = (st.binary(max_size=3000) | deep
                | st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass"))
                | yaml_snippets.map(str.encode) | mutations(PROGRAM_TEXT).map(lambda t: t.encode("utf-8", "replace"))
                | structural(PROGRAM_DATA, PROGRAM_PATHS).map(str.encode))
subprogram_file = (st.binary(max_size=3000) | deep | yaml_snippets.map(str.encode)
                   | mutations(SP1_TEXT).map(lambda t: t.encode("utf-8", "replace"))
                   | structural(SP1_DATA, SP1_PATHS).map(str.encode))


@given(content=program_file)
@example(content=b"")
@example(content=b"\xff\xfe\x00")
@example(content=b"- a\n- b\n")
@example(content=b"a: &x [1]\nb: *x\n")
@example(content=b"[" * 100 + b"]" * 100)
def test_random_program_yaml_never_crashes_the_loader(content):
    with tempfile.TemporaryDirectory() as work:
        folder = _program_copy(work)
        (folder / "program.yaml").write_bytes(content)
        assert_loads_or_data_error(folder)


@given(content=subprogram_file, name=st.sampled_from(["sp1.yaml", "sp2.yaml", "sp9.yaml", "0.yaml"]))
def test_random_subprogram_file_never_crashes_the_loader(content, name):
    with tempfile.TemporaryDirectory() as work:
        folder = _program_copy(work)
        (folder / "subprograms" / name).write_bytes(content)
        assert_loads_or_data_error(folder)


@pytest.mark.parametrize("value", ["!!int x", "!!int", "!!int 0x", "!!bool x", "!!bool", "!!timestamp x",
                                   "!!timestamp 2021-01-01x", "[" * 1000 + "]" * 1000, "{a: " * 400 + "1" + "}" * 400,
                                   '"a\x00b"', "a\x01", "\x7f"])
def test_yaml_that_once_crashed_the_reader(value, tmp_path):
    """Explicitly tagged scalars PyYAML cannot construct, nesting deep enough to exhaust the recursion
    limit, and characters YAML forbids: each is a located DataError, not a traceback."""
    folder = tmp_path / "p"
    shutil.copytree(FIXTURE, folder)
    path = folder / "program.yaml"
    path.write_text(PROGRAM_TEXT.replace('unit: "тыс. руб."', f"unit: {value}"), encoding="utf-8")
    with pytest.raises((DataError, DataErrors)):
        load_program(folder)


# --- (c) random fills of a quarterly form ---------------------------------------------------------------

YEAR = 2021
RECEIVED = dt.date(2021, 4, 5)
CYRILLIC = re.compile(r"[а-яА-ЯёЁ]{3,}")


@functools.lru_cache(maxsize=None)
def subsidy_data():
    """The default data's subsidies (cached; not a fixture, so that hypothesis does not print it)."""
    from generator.quarterly.load import load_subsidies
    return load_subsidies(DATA)


@functools.lru_cache(maxsize=None)
def blank_forms() -> dict:
    from generator.quarterly.forms import generate
    subsidies = subsidy_data()
    out = {}
    for subsidy, municipality in (("camps", "babaevsky"), ("education", "vashkinsky")):
        out[subsidy] = generate(subsidies.form_of(subsidy), subsidies.subsidies[subsidy],
                                subsidies.municipalities[municipality],
                                subsidies.agreement(subsidy, municipality, YEAR), YEAR, 1, sample=True)
    return out


kopecks = st.integers(0, 10 ** 11).map(lambda n: D(n).scaleb(-2))
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
hostile_cell = st.one_of(
    st.none(),
    kopecks.map(float),
    kopecks,                                                        # a Decimal written as such
    st.integers(-10 ** 6, 10 ** 15),
    kopecks.map(lambda v: -v - KOPECK).map(float),                  # negative
    st.floats(min_value=0, max_value=1e9, allow_nan=False).filter(lambda f: f != round(f, 2)),   # many decimals
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e13, 1e300, -0.0, 0.005, 0.015, 1.005]),
    texts,
    st.sampled_from(["=1+1", "=SUM(C11:C12)", "=cmd|' /C calc'!A0", "=", " =A1", "100,50", "1 000,00", "+1",
                     "-1+2", "@SUM(A1)", "   ", "", "х", "-", "1e5", "NaN"]),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)),
)


def ceil_kopeck(value: Decimal) -> Decimal:
    return value.quantize(KOPECK, rounding=ROUND_CEILING)


@st.composite
def valid_camps(draw, subsidies) -> dict:
    agreement = subsidies.agreement("camps", "babaevsky", YEAR)
    level = agreement.level
    reg_received = draw(st.integers(0, int(agreement.subsidy_amount * 100))) * KOPECK
    reg_used = draw(st.integers(0, int(reg_received * 100))) * KOPECK
    local_used = ceil_kopeck(reg_used * (100 - level) / level) + draw(kopecks)
    local_received = local_used + draw(kopecks)
    cells = {("regional", "received"): reg_received, ("regional", "used"): reg_used,
             ("local", "received"): local_received, ("local", "used"): local_used,
             ("extra", "received"): draw(kopecks), ("extra", "used"): draw(kopecks)}
    # some inputs left empty (0), as a person would
    for key in draw(st.sets(st.sampled_from([("extra", "received"), ("extra", "used")]))):
        cells[key] = None
    return {k: (float(v) if v is not None and draw(st.booleans()) else v) for k, v in cells.items()}


@st.composite
def valid_education(draw, subsidies) -> dict:
    agreement = subsidies.agreement("education", "vashkinsky", YEAR)
    level = agreement.level
    per_row_cap = int(agreement.subsidy_amount * 100) // 8
    cells: dict = {}
    for i in sorted(draw(st.sets(st.integers(1, 8), max_size=8))):
        row = f"r{i}"
        planned = draw(st.integers(0, per_row_cap)) * KOPECK
        received = draw(st.integers(0, int(planned * 100))) * KOPECK
        used = draw(st.integers(0, int(received * 100))) * KOPECK
        used_mun = ceil_kopeck(used * (100 - level) / level) + draw(kopecks)
        cells.update({(row, "activity"): draw(texts.filter(lambda t: not t.strip().startswith("="))),
                      (row, "organisation"): draw(texts.filter(lambda t: not t.strip().startswith("="))),
                      (row, "planned_fed"): draw(kopecks), (row, "planned_reg"): planned,
                      (row, "planned_mun"): draw(kopecks), (row, "received_fed"): draw(kopecks),
                      (row, "received_reg"): received, (row, "received_mun"): used_mun + draw(kopecks),
                      (row, "contract"): draw(kopecks), (row, "used_fed"): draw(kopecks),
                      (row, "used_reg"): used, (row, "used_mun"): used_mun})
    return {k: (float(v) if isinstance(v, Decimal) and draw(st.booleans()) else v) for k, v in cells.items()}


def fill_form(form: bytes, spec, cells: dict) -> bytes:
    from generator.quarterly.forms import SHEET, FormLayout
    wb = load_workbook(io.BytesIO(form))
    ws = wb[SHEET]
    layout = FormLayout(spec)
    for (row, col), value in cells.items():
        cell = ws[layout.ref(row, col)]
        cell.value = value
        if isinstance(value, str) and spec.column(col).role == "text" and not value.startswith("="):
            cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def expected_number(value) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return D("0.00")
    if isinstance(value, float):
        return D(repr(value)).quantize(KOPECK)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return D(value).quantize(KOPECK)
    return None


def in_file(content: bytes, spec) -> dict:
    """What the filled file holds in each input cell (openpyxl writes nan/inf as an empty cell, for one)."""
    from generator.quarterly.forms import SHEET, FormLayout
    ws = load_workbook(io.BytesIO(content))[SHEET]
    layout = FormLayout(spec)
    return {(row, col): ws[layout.ref(row, col)].value for row, col in layout.input_cells()}


def import_fill(subsidies, forms, subsidy: str, cells: dict):
    """Fill, import into a fresh registry; returns the spec, the result, the stored submission and what the
    file held in its input cells."""
    from generator.quarterly.intake import import_bytes
    from generator.quarterly.registry import Registry
    spec = subsidies.form_of(subsidy)
    content = fill_form(forms[subsidy], spec, cells)
    with tempfile.TemporaryDirectory() as work, Registry(Path(work) / "registry") as registry:
        result = import_bytes(content, f"{subsidy}.xlsx", subsidies, registry, RECEIVED)
        stored = registry.get(result.submission.id)
    return spec, result, stored, in_file(content, spec)


def assert_held_as_typed(cells: dict, held: dict) -> None:
    """A fill within the rules reaches the file unchanged (so comparing with the file compares with the fill)."""
    for key, value in cells.items():
        if isinstance(value, (Decimal, float)):
            assert D(repr(held[key]) if isinstance(held[key], float) else held[key]) == D(value if isinstance(
                value, Decimal) else repr(value)), (key, value, held[key])
        elif value not in (None, ""):
            assert held[key] == value, (key, value, held[key])


def check_result(spec, result, stored, cells: dict) -> None:
    from generator.quarterly.forms import FormLayout
    assert result.status in ("accepted", "rejected")
    assert stored.status == result.status
    for problem in result.problems:
        text = str(problem)
        # the accountant's words (issue 18): Russian, no rule code
        assert CYRILLIC.search(problem.message) and f"[{problem.code}]" not in text, text
        assert "Traceback" not in text and "\n" not in text
    if result.status == "rejected":
        assert result.problems and stored.figures is None
        return
    assert not result.problems
    figures = stored.figures
    layout = FormLayout(spec)
    for row, col in layout.input_cells():
        value = cells.get((row, col))
        if spec.column(col).role == "text":
            got = (stored.texts or {}).get(row, {}).get(col)
            if value is None or value == "":            # openpyxl does not write an empty string
                assert got in (None, ""), (row, col, got)
            elif isinstance(value, str):
                assert got == value.strip()[:500], (row, col, value, got)
            else:                                      # a number or date typed in a text column: its text
                assert isinstance(got, str) and got, (row, col, value, got)
            continue
        assert figures[row][col] == expected_number(value), (row, col, value, figures[row][col])
    money = [c.key for c in spec.columns if c.role in ("input", "prefill", "computed")]
    rows = [r for r in layout.row_keys() if r != "total"]
    if "total" in layout.row_keys():
        parts = [r.key for r in spec.rows if r.key != "total"] if spec.rows else rows
        for col in money:
            assert figures["total"][col] == sum((figures[r][col] for r in parts), D("0.00")), col


@given(data=st.data())
def test_random_fill_of_expense_report(data):
    from generator.quarterly.forms import FormLayout
    subsidies, forms = subsidy_data(), blank_forms()
    spec = subsidies.form_of("camps")
    inputs = FormLayout(spec).input_cells()
    if data.draw(st.booleans(), label="within the rules"):
        cells = data.draw(valid_camps(subsidies), label="cells")
        spec, result, stored, held = import_fill(subsidies, forms, "camps", cells)
        assert_held_as_typed(cells, held)
        assert result.status == "accepted", [str(p) for p in result.problems]
    else:
        cells = {key: data.draw(hostile_cell, label=str(key)) for key in inputs}
        spec, result, stored, held = import_fill(subsidies, forms, "camps", cells)
    check_result(spec, result, stored, held)
    if result.status == "accepted":
        figures = stored.figures
        for row in ("regional", "local", "extra"):
            assert figures[row]["balance"] == figures[row]["received"] - figures[row]["used"]


@given(data=st.data())
def test_random_fill_of_repeated_row_form(data):
    from generator.quarterly.forms import FormLayout
    subsidies, forms = subsidy_data(), blank_forms()
    spec = subsidies.form_of("education")
    inputs = FormLayout(spec).input_cells()
    if data.draw(st.booleans(), label="within the rules"):
        cells = data.draw(valid_education(subsidies), label="cells")
        spec, result, stored, held = import_fill(subsidies, forms, "education", cells)
        assert_held_as_typed(cells, held)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            # nothing typed: an unfilled form is refused, in words (issue 21)
            assert result.status == "rejected" and [p.code for p in result.problems] == ["EMPTY"]
            return
        assert result.status == "accepted", [str(p) for p in result.problems]
    else:
        chosen = data.draw(st.sets(st.sampled_from(inputs), max_size=20), label="cells filled")
        cells = {key: data.draw(hostile_cell, label=str(key)) for key in sorted(chosen)}
        spec, result, stored, held = import_fill(subsidies, forms, "education", cells)
    check_result(spec, result, stored, held)


# --- (d) calculations -----------------------------------------------------------------------------------

money = st.integers(0, 10 ** 12).map(lambda n: D(n).scaleb(-2))
positive = st.integers(1, 10 ** 9).map(lambda n: D(n).scaleb(-3))
non_negative = st.integers(0, 10 ** 9).map(lambda n: D(n).scaleb(-3))
coefficients = st.integers(1, 1000).map(lambda n: D(n).scaleb(-3))       # 0.001 … 1.000
result_specs = st.lists(st.tuples(st.text(max_size=5), positive, non_negative,
                                  st.sampled_from(["increase", "decrease"])), min_size=1, max_size=6)


@given(provided=money, unused_share=st.fractions(0, 1), results=result_specs, coefficient=coefficients,
       exempt=st.none() | st.just("форс-мажор"))
def test_subsidy_return_is_between_zero_and_v_times_coefficient(provided, unused_share, results, coefficient,
                                                                exempt):
    share = D(unused_share.numerator) / D(unused_share.denominator)
    unused = (provided * share).quantize(KOPECK, rounding=ROUND_FLOOR)
    try:
        calculation = subsidy_return(provided, unused, results, coefficient, exempt)
    except CalculationError as exc:
        # only a zero actual value of a "less is better" result is refused here
        assert any(direction == "decrease" and fact == 0 for _, _, fact, direction in results), exc
        return
    v = provided - unused
    assert calculation.subsidy == v
    assert calculation.amount >= 0
    assert calculation.amount <= rubles(v * coefficient)
    assert calculation.amount == calculation.amount.quantize(KOPECK)
    assert 0 <= calculation.m <= calculation.n == len(results)
    assert 0 <= calculation.k <= 1
    if exempt or calculation.m == 0:
        assert calculation.amount == 0
    else:
        assert calculation.amount == calculation.computed_amount
    if all(r.index <= 0 for r in calculation.results):
        assert calculation.amount == 0


@pytest.mark.parametrize("plan, fact, direction", [(D(1), D(-1), "increase"), (D(-1), D(1), "increase"),
                                                   (D(1), D(-1), "decrease")])
def test_subsidy_return_negative_values_are_refused_or_capped(plan, fact, direction):
    try:
        calculation = subsidy_return(D("1000.00"), D("0.00"), [("r", plan, fact, direction)], D("0.1"))
    except CalculationError:
        return
    assert 0 <= calculation.amount <= D("100.00"), calculation.amount


@given(subsidy=money, obligations=money, level=st.integers(1, 10000).map(lambda n: D(n).scaleb(-2)))
def test_cofinancing_return_never_negative_nor_above_the_subsidy(subsidy, obligations, level):
    amount = cofinancing_return(subsidy, obligations, level)
    assert D(0) <= amount <= subsidy
    assert amount == amount.quantize(KOPECK)


@given(fact=non_negative, plan=positive, direction=st.sampled_from(["increase", "decrease"]),
       cap=st.none() | st.integers(1, 300).map(lambda n: D(n).scaleb(-2)))
def test_achievement_within_cap(fact, plan, direction, cap):
    assume(direction == "increase" or fact > 0)
    value = achievement(fact, plan, direction, cap)
    exact = Fraction(fact) / Fraction(plan) if direction == "increase" else Fraction(plan) / Fraction(fact)
    if cap is not None:
        exact = min(exact, Fraction(cap))
    assert value >= 0
    if cap is not None:
        assert value <= cap
    assert abs(Fraction(value) - exact) <= exact * Fraction(1, 10 ** 25)


@given(achievements=st.lists(st.integers(0, 1000).map(lambda n: D(n).scaleb(-3)), max_size=6),
       done=st.integers(0, 20), extra=st.integers(0, 20), cash=non_negative, plan=non_negative,
       thresholds=st.lists(st.integers(0, 1000).map(lambda n: D(n).scaleb(-3)), min_size=1, max_size=4, unique=True))
def test_effectiveness_stays_within_caps_and_rates_the_exact_score(achievements, done, extra, cash, plan,
                                                                    thresholds):
    total = done + extra
    ratings = [(t, f"оценка {i}") for i, t in enumerate(thresholds)]
    e = effectiveness(achievements, done, total, cash, plan, ratings, use_cap=D(1))
    # the same figures computed here with fractions: the oracle
    indicators = sum(map(Fraction, achievements), Fraction(0)) / len(achievements) if achievements else None
    share = Fraction(done, total) if total else None
    budget = Fraction(cash) / Fraction(plan) if plan else None
    use = min(share / budget, Fraction(1)) if share is not None and budget else None
    score = indicators * use if indicators is not None and use is not None else None
    if use is not None:
        assert 0 <= e.use_of_funds <= 1
    else:
        assert e.use_of_funds is None
    if score is None:
        assert e.score is None and e.rating is None
        return
    assert 0 <= e.score <= max(achievements)
    assert abs(Fraction(e.score) - score) <= Fraction(1, 10 ** 20)
    reached = [(t, label) for t, label in ratings if score >= Fraction(t)]
    assert e.rating == (max(reached)[1] if reached else None)


@given(values=st.lists(st.one_of(money, st.sampled_from(["-", "х", None])), max_size=10))
def test_calc_total_ignores_markers(values):
    numbers_only = [v for v in values if isinstance(v, Decimal)]
    result = calc.total(values)
    assert result == (sum(numbers_only, D(0)) if numbers_only else None)
    assert calc.as_decimal(values[0] if values else None) == (values[0] if values and isinstance(values[0], Decimal)
                                                             else D(0))


# Program figures: below 10^15 (schema.LIMIT) and within the 28 significant digits of the decimal context
# (abs() in format_number rounds to the context, so longer mantissas are printed rounded).
finite = st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10 ** 15) + 1, max_value=10 ** 15 - 1,
                     places=None).filter(lambda d: d.adjusted() > -12 and len(d.as_tuple().digits) <= 28)


@given(value=finite, decimals=st.none() | st.integers(0, 4), group=st.booleans(), nbsp=st.booleans())
@example(value=D("15736027.0"), decimals=1, group=True, nbsp=False)
@example(value=D("-0.05"), decimals=1, group=True, nbsp=False)
@example(value=D("1E+3"), decimals=None, group=True, nbsp=True)
def test_format_number_round_trips_through_parse_number(value, decimals, group, nbsp):
    printed = numbers.format_number(value, decimals, group=group)
    assert "." not in printed and "e" not in printed.lower()
    if nbsp:
        printed = printed.replace(" ", "\u00a0")
    parsed = numbers.parse_number(printed)
    expected = value if decimals is None else numbers.quantize(value, decimals)
    assert parsed == expected
    if decimals is not None:
        assert parsed.as_tuple().exponent == -decimals
        whole = printed.replace("\u00a0", " ").lstrip("-").split(",")[0]
        if group:
            assert re.fullmatch(r"\d{1,3}( \d{3})*", whole), printed
        else:
            assert re.fullmatch(r"\d+", whole), printed


@given(value=finite, decimals=st.integers(0, 3))
def test_format_percent_round_trips(value, decimals):
    printed = numbers.format_percent(value, decimals)
    assert printed.endswith("%")
    assert numbers.parse_number(printed) == numbers.quantize(value, decimals)


@given(text=st.text(max_size=30))
def test_parse_number_only_raises_value_error(text):
    try:
        result = numbers.parse_number(text)
    except ValueError:
        return
    assert isinstance(result, Decimal) and result.is_finite()

"""Issue 19: the files of ../shared/cases/forms (copied to tests/cases/forms) and the kinds of fault they name.

The case files were made against the old, unkeyed identity: as they are, none of them can verify under
this session's key (tests/conftest.py points GOSPROG_SECRET_KEY_FILE at a temporary file). So each case
is run twice:

* the original file: refused (forged and pre-key forms: IDENTITY; malformed ones: a [FILE] refusal),
  never a traceback, the batch goes on, nothing archived;
* the same file *re-signed* by this installation (its identity sheet rewritten with this key's HMAC, every
  other part byte for byte as the real program wrote it: LibreOffice's shared strings, the renamed
  parts, the escapes), or, for the malformed files, the same mutation made on a genuine form issued now:
  the result the README expects.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import struct
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from conftest import rezip

from generator.cli import main
from generator.quarterly import secretkey, xlsxread
from generator.quarterly.forms import IDENTITY, IDENTITY_KEYS, generate, identity_payload, prefill_values
from generator.quarterly.intake import import_bytes
from generator.quarterly.registry import Registry

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "forms"
DATA_DIR = ROOT / "data" / "social-support-vologda"
RECEIVED = dt.date(2021, 4, 5)
D = Decimal
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ALL_CASES = sorted(p.name for p in CASES.glob("*.xlsx"))
MALFORMED = ["row_r_not_int.xlsx", "huge_exponent.xlsx", "encrypted_flag_workbook.xlsx", "deflate64_workbook.xlsx"]
# what LibreOffice saved in camps-sokolsky-lo.xlsx (sokolsky, camps, I quarter 2021)
SOKOLSKY = {"regional": {"planned": D("518555.20"), "received": D("100000.50"), "used": D("90000.25"),
                         "balance": D("10000.25")},
            "local": {"planned": D("57617.24"), "received": D("12000.00"), "used": D("10000.10"), "balance": D("1999.90")},
            "extra": {"planned": D("0"), "received": D("0.00"), "used": D("0.00"), "balance": D("0.00")}}


def case(name: str) -> bytes:
    return (CASES / name).read_bytes()


def _identity_part(content: bytes) -> str:
    """The package part of the _identity sheet, through the workbook's relationships."""
    z = zipfile.ZipFile(io.BytesIO(content))
    workbook = z.read("xl/workbook.xml").decode("utf-8")
    rid = re.search(r'<sheet [^>]*name="_identity"[^>]*:id="([^"]+)"', workbook).group(1)
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    target = re.search(rf'<Relationship Id="{rid}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def resign(content: bytes, data, key: secretkey.Key | None = None, **changes) -> bytes:
    """The file with its identity sheet signed by ``key`` (default this installation's), as if it had been
    issued here; ``changes`` edit identity fields first (a forgery)."""
    wb = xlsxread.load(content)
    raw = {str(k): str(v) for k, v in wb[IDENTITY].iter_rows(values_only=True, max_col=2) if k is not None}
    raw.update(changes)
    spec = data.forms[raw["form"]]
    agreement = data.agreement(raw["subsidy"], raw["municipality"], int(raw["year"]))
    identity = {k: raw[k] for k in IDENTITY_KEYS}
    identity["form_version"], identity["year"], identity["quarter"] = spec.version, int(raw["year"]), int(raw["quarter"])
    prefilled = {r: {c: str(v) for c, v in cols.items()} for r, cols in prefill_values(spec, agreement).items()}
    key = key or secretkey.signing_key()
    rows = [(k, raw[k]) for k in IDENTITY_KEYS] + [("key_id", key.key_id),
                                                    ("checksum", key.sign(identity_payload(identity, prefilled)))]
    cells = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{k}</t></is></c>'
                    f'<c r="B{r}" t="inlineStr"><is><t>{v}</t></is></c></row>' for r, (k, v) in enumerate(rows, 1))
    xml = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>{cells}</sheetData></worksheet>'
    return rezip(content, {_identity_part(content): xml.encode("utf-8")})


@pytest.fixture(scope="module")
def genuine(data) -> bytes:
    """A genuine vologodsky camps form of I quarter 2021 issued by this installation, filled in as the case's."""
    from generator.quarterly.sample import fill
    from generator.quarterly.schema import SampleSubmission
    spec = data.form_of("camps")
    form = generate(spec, data.subsidies["camps"], data.municipalities["vologodsky"],
                    data.agreement("camps", "vologodsky", 2021), 2021, 1, sample=True)
    wb = load_workbook(CASES / "genuine-vologodsky-camps-q1.xlsx")
    ws = wb["Отчет"]
    values = {"regional": {"received": D(str(ws["C11"].value)), "used": D(str(ws["D11"].value))},
              "local": {"received": D(str(ws["C12"].value)), "used": D(str(ws["D12"].value))}}
    entry = SampleSubmission(subsidy="camps", municipality="vologodsky", quarter=1, submitted=RECEIVED,
                             values=values)
    return fill(form, spec, entry)


def imported(data, registry, content: bytes, name: str = "form.xlsx"):
    return import_bytes(content, name, data, registry, RECEIVED)


def assert_file_refusal(result, registry, content: bytes, *words: str):
    assert result.status == "rejected"
    assert [p.code for p in result.problems] == ["FILE"], [str(p) for p in result.problems]
    text = str(result.problems[0])
    assert "Traceback" not in text and re.search(r"[а-я]{4,}", text)
    for word in words:
        assert word in text, text
    assert result.submission.stored_as == "" and not list((registry.folder / "archive").rglob("*.xlsx"))
    assert result.submission.sha256 == hashlib.sha256(content).hexdigest()


# --- the original files: none verifies under this key; none is a traceback ---------------------------------


@pytest.mark.parametrize("name", ALL_CASES)
def test_original_case_is_refused_located_without_traceback(data, registry, name):
    result = imported(data, registry, case(name), name)
    assert result.status == "rejected" and result.submission.figures is None
    codes = [p.code for p in result.problems]
    if name in MALFORMED:
        assert codes == ["FILE"], [str(p) for p in result.problems]
    elif name == "camps-sokolsky-strict.xlsx":
        assert codes == ["FILE"] and "сохраните файл как «Книга Excel (.xlsx)»" in str(result.problems[0])
    else:                                   # issued before the key: cannot verify (forged included)
        assert codes == ["IDENTITY"] and "до введения подписи форм" in str(result.problems[0])
    assert result.submission.stored_as == ""                   # nothing archived for a refused file


def test_original_batch_goes_on_after_each_bad_file(data, tmp_path, genuine):
    """All eleven case files then a genuine form, in one `quarterly import`: eleven located refusals, the
    genuine form accepted, no traceback, only the genuine form archived."""
    good = tmp_path / "zz-genuine.xlsx"
    good.write_bytes(genuine)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["quarterly", "import", *[str(CASES / n) for n in ALL_CASES], str(good),
                                       "--data", str(DATA_DIR), "--out", str(out), "--received", "2021-04-05"])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert result.output.count("ОТКЛОНЕН") == len(ALL_CASES) == 11
    assert "zz-genuine.xlsx: ПРИНЯТ (версия 1; Вологодский муниципальный район, I квартал 2021 года" in result.output
    for name in MALFORMED:                 # the refusal's text, never its internal code ([FILE])
        assert re.search(rf"{re.escape(name)}: ОТКЛОНЕН:\n  - [а-яА-Я]", result.output), name
    assert "[FILE]" not in result.output and "[IDENTITY]" not in result.output
    with Registry(out / "social-support-vologda" / "submissions") as reg:
        history = reg.history()
        assert [s.status for s in history] == ["rejected"] * 11 + ["accepted"]
        archived = [p for p in (reg.folder / "archive").rglob("*") if p.is_file()]
        assert [p.read_bytes() for p in archived] == [genuine]


# --- the kinds of fault, on files signed by this installation -------------------------------------------------


def test_libreoffice_form_is_accepted_with_its_figures(data, registry):
    result = imported(data, registry, resign(case("camps-sokolsky-lo.xlsx"), data))
    assert result.status == "accepted", [str(p) for p in result.problems]
    assert result.submission.municipality == "sokolsky"
    figures = result.submission.figures
    assert {r: figures[r] for r in SOKOLSKY} == SOKOLSKY


def test_shared_strings_part_with_a_capital_letter_is_found(data, registry):
    content = resign(case("camps-sokolsky-capital-sst.xlsx"), data)
    assert "xl/SharedStrings.xml" in zipfile.ZipFile(io.BytesIO(content)).namelist()
    result = imported(data, registry, content)
    assert result.status == "accepted", [str(p) for p in result.problems]
    assert {r: result.submission.figures[r] for r in SOKOLSKY} == SOKOLSKY


def test_date_in_a_money_cell_is_refused_even_with_a_renamed_styles_part(data, registry):
    content = resign(case("camps-date-capital-styles.xlsx"), data)
    assert "xl/Styles.xml" in zipfile.ZipFile(io.BytesIO(content)).namelist()
    result = imported(data, registry, content)
    assert result.status == "rejected" and result.submission.figures is None
    problem = next(p for p in result.problems if "дата" in p.message)
    assert str(problem).startswith("Строка «Субсидия из областного бюджета», графа «Израсходовано» (ячейка D11 листа "
                                   "«Отчет»): вместо суммы записаны дата или время")
    assert problem.found == "«10.05.2021»"                    # 44 326 is 10.05.2021, not 44 326,00 руб.


def test_styles_found_through_relationships_under_any_name(data, registry):
    """The same kind once more: the styles part moved to a name only the relationships know."""
    content = resign(case("camps-date-capital-styles.xlsx"), data)
    z = zipfile.ZipFile(io.BytesIO(content))
    parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/theme/Form-Styles.xml"] = parts.pop("xl/Styles.xml")
    rels, n = re.subn(r'Target="[Ss]tyles\.xml"', 'Target="theme/Form-Styles.xml"',
                      parts["xl/_rels/workbook.xml.rels"].decode())
    assert n == 1
    parts["xl/_rels/workbook.xml.rels"] = rels.encode()
    parts["[Content_Types].xml"] = re.sub(r"/xl/[Ss]tyles\.xml", "/xl/theme/Form-Styles.xml",
                                          parts["[Content_Types].xml"].decode()).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, body in parts.items():
            target.writestr(name, body)
    result = imported(data, registry, out.getvalue())
    assert result.status == "rejected"
    assert any(p.cell == "D11" and "дата" in p.message for p in result.problems), [str(p) for p in result.problems]


def test_strict_open_xml_is_refused_with_what_to_do(data, registry, genuine):
    original = case("camps-sokolsky-strict.xlsx")
    result = imported(data, registry, original)
    assert_file_refusal(result, registry, original, "Strict Open XML", "сохраните файл как «Книга Excel (.xlsx)»")
    strict = _to_strict(genuine)
    result = imported(data, registry, strict)
    assert_file_refusal(result, registry, strict, "сохраните файл как «Книга Excel (.xlsx)»")


def _to_strict(content: bytes) -> bytes:
    z = zipfile.ZipFile(io.BytesIO(content))
    changes = {}
    for name in z.namelist():
        text = z.read(name).decode("utf-8")
        strict = (text.replace(MAIN_NS, xlsxread.STRICT_NS)
                  .replace("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                           "http://purl.oclc.org/ooxml/officeDocument/relationships"))
        if strict != text:
            changes[name] = strict.encode("utf-8")
    return rezip(content, changes)


def test_libreoffice_escapes_are_decoded_in_texts(data, registry):
    result = imported(data, registry, resign(case("edu-lo-ctrl.xlsx"), data))
    assert result.status == "accepted", [str(p) for p in result.problems]
    # typed: a line break (Ctrl+Enter, stored _x000b_) and a literal "_x0041_" (stored _x005F_x0041_)
    assert result.submission.texts["r1"]["activity"] == "первая строка\nвторая\nтретья _x0041_ конец"
    assert result.submission.texts["r1"]["organisation"] == "МБДОУ"


def test_genuine_form_is_accepted(data, registry, genuine):
    result = imported(data, registry, resign(case("genuine-vologodsky-camps-q1.xlsx"), data))
    assert result.status == "accepted" and result.submission.municipality == "vologodsky"
    assert result.submission.figures["regional"]["received"] == D("192432.59")
    again = imported(data, registry, genuine)
    assert again.status == "accepted" and again.submission.figures["local"]["used"] == D("10069.96")


def test_forged_identity_is_refused_and_the_other_report_stays(data, registry, genuine, tmp_path):
    babaevsky = generate(data.form_of("camps"), data.subsidies["camps"], data.municipalities["babaevsky"],
                         data.agreement("camps", "babaevsky", 2021), 2021, 1, sample=True)
    from generator.quarterly.sample import fill
    from generator.quarterly.schema import SampleSubmission
    own = fill(babaevsky, data.form_of("camps"), SampleSubmission(
        subsidy="camps", municipality="babaevsky", quarter=1, submitted=RECEIVED,
        values={"regional": {"received": D("100000.00"), "used": D("80000.00")},
                "local": {"received": D("10000.00"), "used": D("8000.00")}}))
    first = imported(data, registry, own)
    assert first.status == "accepted", [str(p) for p in first.problems]
    # the attacker knows the code but not the key: the identity says babaevsky, signed with another key
    outsider = secretkey.Key(b"\x01" * 32)
    forged = resign(genuine, data, outsider, municipality="babaevsky",
                    agreement=data.agreement("camps", "babaevsky", 2021).number)
    forged = _with_key_id(forged, secretkey.signing_key().key_id)     # even claiming this installation's key
    result = imported(data, registry, forged)
    assert result.status == "rejected" and [p.code for p in result.problems] == ["IDENTITY"]
    assert "форму может представить только муниципальное образование, которому она выдана" in result.problems[0].message
    current = registry.latest("camps", 2021, 1)["babaevsky"]
    assert current.id == first.submission.id and current.figures["regional"]["received"] == D("100000.00")
    # and the original forged case file is refused too
    assert imported(data, registry, case("forged-babaevsky.xlsx")).status == "rejected"
    assert registry.latest("camps", 2021, 1)["babaevsky"].id == first.submission.id


def _with_key_id(content: bytes, key_id: str) -> bytes:
    part = _identity_part(content)
    xml = zipfile.ZipFile(io.BytesIO(content)).read(part).decode()
    xml = re.sub(r"(<t>key_id</t></is></c><c r=\"B\d+\" t=\"inlineStr\"><is><t>)[0-9a-f]+", rf"\g<1>{key_id}", xml)
    return rezip(content, {part: xml.encode()})


def test_key_rotation_old_forms_still_verify(data, registry, genuine, secret_key_file):
    """A new key on the first line signs; the old key below it still verifies the forms it issued."""
    old_text = secret_key_file.read_text()
    try:
        secret_key_file.write_text("# rotated\n" + "ab" * 32 + "\n" + old_text.split("\n", 1)[1])
        assert secretkey.signing_key().secret == bytes.fromhex("ab" * 32)
        assert imported(data, registry, genuine).status == "accepted"
        secret_key_file.write_text("ab" * 32 + "\n")              # old key removed: its forms no longer verify
        result = imported(data, registry, genuine)
        assert result.status == "rejected" and "ключом, которого нет в этой установке" in result.problems[0].message
    finally:
        secret_key_file.write_text(old_text)


def test_key_file_is_private_and_outside_data(tmp_path, monkeypatch):
    path = tmp_path / "cfg" / "gosprog" / "secret.key"
    monkeypatch.setenv(secretkey.ENV, str(path))
    key = secretkey.signing_key()
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    assert secretkey.signing_key() == key and len(key.secret) == 32
    path.chmod(0o644)
    with pytest.raises(secretkey.SecretKeyError, match="chmod 600"):
        secretkey.keys()
    monkeypatch.delenv(secretkey.ENV)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert secretkey.key_path() == tmp_path / "xdg" / "gosprog" / "secret.key"


def test_cli_refuses_a_key_inside_the_output_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(secretkey.ENV, str(tmp_path / "out" / "secret.key"))
    result = CliRunner().invoke(main, ["quarterly", "forms", "--data", str(DATA_DIR), "--year", "2021", "--quarter",
                                       "1", "--subsidy", "camps", "--out", str(tmp_path / "out")])
    assert result.exit_code != 0 and "вне папок данных и результатов" in result.output
    assert not (tmp_path / "out" / "secret.key").exists()


# --- malformed files: the same mutation on a form issued now -------------------------------------------------


def _patch_entry(content: bytes, name: str, *, flag: int | None = None, method: int | None = None) -> bytes:
    """Set the general-purpose flag bits or the compression method of one entry in both its local header and
    the central directory (the file is otherwise unchanged, as in the case files)."""
    buf = bytearray(content)
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo(name)
    local = info.header_offset
    assert buf[local:local + 4] == b"PK\x03\x04"
    central = buf.index(b"PK\x01\x02")
    while True:
        name_len = struct.unpack_from("<H", buf, central + 28)[0]
        if bytes(buf[central + 46:central + 46 + name_len]).decode() == name:
            break
        central = buf.index(b"PK\x01\x02", central + 4)
    for offset, base in ((6, local), (8, central)):       # flags, then the method 2 bytes on
        if flag is not None:
            struct.pack_into("<H", buf, base + offset, struct.unpack_from("<H", buf, base + offset)[0] | flag)
        if method is not None:
            struct.pack_into("<H", buf, base + offset + 2, method)
    return bytes(buf)


def _sheet_edit(content: bytes, pattern: str, replacement: str) -> bytes:
    xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    xml, n = re.subn(pattern, replacement, xml, count=1)
    assert n == 1
    return rezip(content, {"xl/worksheets/sheet1.xml": xml.encode()})


@pytest.mark.parametrize("kind", ["row_r_not_int", "huge_exponent", "encrypted_flag", "deflate64"])
def test_malformed_form_is_a_located_file_refusal_and_the_batch_goes_on(data, registry, genuine, kind):
    if kind == "row_r_not_int":
        bad, words = _sheet_edit(genuine, r'<row r="11"', '<row r="11x"'), ("номер строки «11x»", "sheet1.xml")
    elif kind == "huge_exponent":
        bad, words = _sheet_edit(genuine, r'(<c r="C11"[^>]*>)<v>[^<]*</v>', r"\1<v>1E+1000000</v>"), ("Ячейка C11 листа «Отчет»",)
    elif kind == "encrypted_flag":
        bad, words = _patch_entry(genuine, "xl/workbook.xml", flag=0x1), ("xl/workbook.xml", "зашифрована")
    else:
        bad, words = _patch_entry(genuine, "xl/workbook.xml", method=9), ("xl/workbook.xml", "методом 9")
    result = imported(data, registry, bad, f"{kind}.xlsx")
    assert_file_refusal(result, registry, bad, *words)
    after = imported(data, registry, genuine, "next.xlsx")
    assert after.status == "accepted"
    assert [s.status for s in registry.history()] == ["rejected", "accepted"]


# --- the streaming pass agrees with openpyxl -------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_CASES)
def test_streaming_pass_agrees_with_openpyxl_on_every_case_file(name):
    """The only hand-written reading left is the pre-check's count of each sheet's cells and extent: on every
    case file openpyxl can open, it gives openpyxl's dimensions; on the others it refuses."""
    content = case(name)
    try:
        found = xlsxread.inspect(content)
    except xlsxread.ReadError:
        try:                                  # openpyxl cannot read it as a workbook either
            assert load_workbook(io.BytesIO(content)).worksheets == []
        except Exception:
            pass
        return
    wb = xlsxread.load(content)
    extents = sorted((s.max_row, s.max_column) for s in found.sheets.values())
    assert extents == sorted((ws.max_row, ws.max_column) for ws in wb.worksheets)
    assert sum(s.cells for s in found.sheets.values()) >= sum(1 for ws in wb.worksheets for r in ws.iter_rows()
                                                              for c in r if c.value is not None)

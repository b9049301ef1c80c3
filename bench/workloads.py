"""The bench's workloads: SP1 table 4 and a synthetic 2,000-row financing table (both sides of the
baseline comparison start from the same JSON rows), and synthetic subsidy data for the scale runs.

Nothing here is timed: it prepares inputs. The timed code lives in ``worker.py`` (whole processes)
and ``run.py`` (in-process loops).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "data" / "social-support-vologda"
MARKERS = ("-", "х")


# --- financing tables ---------------------------------------------------------------------------


def sp1_financing(data_dir: Path = DEFAULT_DATA):
    """(subprogram 1's financing table, its years) as loaded by gosprog's reader."""
    from generator.data import load_program
    program, _ = load_program(str(data_dir), with_locations=True)
    sp1 = next(s for s in program.subprograms if s.code == "1")
    return sp1.financing, program.subprogram_years(sp1)


def synthetic_financing(table, body_rows: int):
    """A financing table of exactly ``body_rows`` body rows, made by cycling the rows of ``table``
    (each keeps its source lines and figures; numbers and names are made unique)."""
    rows, count, i = [], 0, 0
    while count < body_rows:
        src = table.rows[i % len(table.rows)]
        i += 1
        row = src.model_copy(deep=True)
        row.no = f"{i}."
        row.name = f"Мероприятие {i}. {src.name or src.executor or ''}"[:300]
        left = body_rows - count
        if len(row.sources) > left:
            row.sources = row.sources[:left]
        count += len(row.sources)
        rows.append(row)
    return table.model_copy(update={"rows": rows})


def dump_table(table, years: list[int], path: Path) -> None:
    payload = {"years": years, "table": table.model_dump(mode="json")}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")


def _amount(v):
    if v is None or v in MARKERS:
        return v
    return Decimal(str(v))


def load_rows(path: Path) -> tuple[dict, list[int]]:
    """The JSON rows with amounts back as Decimal (markers and empty cells kept)."""
    payload = json.loads(Path(path).read_text(encoding="utf-8"))
    table = payload["table"]
    for row in table["rows"]:
        for line in row["sources"]:
            line["values"] = [_amount(v) for v in line["values"]]
            line["total"] = _amount(line["total"])
    return table, payload["years"]


TITLE = ("Финансовое обеспечение реализации основных мероприятий подпрограммы 1 за счет средств "
         "областного бюджета")


def gosprog_document(table_json: dict, years: list[int]):
    """The document gosprog prints for table 4 of subprogram 1: caption, unit line and the table, landscape,
    built by ``builders.tables.financing`` exactly as ``subprogram.tables_document`` does."""
    from generator import model
    from generator.builders import common, tables
    from generator.builders.subprogram import common_unit
    from generator.data.schema import FinancingTable
    table = FinancingTable.model_validate(table_json)
    doc = model.Document(title=TITLE, kind="subprogram-tables", date=dt.datetime(2021, 8, 31))
    doc.section("landscape").add(*common.caption("Таблица 4", TITLE), common_unit(),
                                 *tables.financing(table, years))
    return doc


def long_word_document(n: int):
    """A table whose text cell holds one word of ``n`` letters (cycling the Russian alphabet, so it can
    hyphenate anywhere): what a municipality's text typed without spaces, or a pasted URL, gives."""
    from generator import model
    alphabet = "абвгдежзиклмнопрстуфхцчшщэюя"
    word = "".join(alphabet[i % len(alphabet)] for i in range(n))
    C = model.Cell
    table = model.Table(columns=[model.Column(width=1), model.Column(width=4), model.Column(width=1, kind="number")],
                        header=[model.Row([C("N"), C("Текст"), C("Сумма")])],
                        body=[model.Row([C("1."), C(word), C(1)]), model.Row([C("2."), C("конец таблицы"), C(2)])])
    doc = model.Document(title="Длинное слово", kind="x", date=dt.datetime(2021, 1, 1))
    doc.section("portrait").add(table)
    return doc


# --- the baseline: a docxtpl template ----------------------------------------------------------

HEAD = ["N п/п", "Статус", "Наименование подпрограммы, основного мероприятия",
        "Ответственный исполнитель подпрограммы, исполнитель", "Источник финансового обеспечения"]
FIELDS = ["no", "status", "name", "executor", "label", "y0", "y1", "y2", "y3", "y4", "total"]


def header_labels(years: list[int]) -> list[str]:
    """The plain table's one header row: the five text columns, one per year, the total."""
    return HEAD + [f"{y} год" for y in years] + [f"всего за {years[0]} - {years[-1]} годы"]


def plain_document(table_json: dict, years: list[int]):
    """The baseline comparison's gosprog side: the same flat rows the docxtpl template gets
    (:func:`baseline_rows`: one printed line per row, no merged cells), one header row and the numbering
    row, caption and unit line; amounts as numbers, formatted by gosprog."""
    from generator import model
    labels = header_labels(years)
    columns = [model.Column(width=w) for w in (0.7, 1.5, 3.4, 2.4, 2.3)] + \
        [model.Column(width=1.75, kind="number", align="right") for _ in labels[len(HEAD):]]
    C = model.Cell
    body = []
    for item in baseline_rows(table_json, formatted=False):
        values = [item[f"y{k}"] for k in range(len(years))] + [item["total"]]
        body.append(model.Row([C(item[f]) for f in FIELDS[:len(HEAD)]] + [C(v) for v in values]))
    table = model.Table(columns=columns, header=[model.Row([C(t) for t in labels])], body=body)
    doc = model.Document(title=TITLE, kind="subprogram-tables", date=dt.datetime(2021, 8, 31))
    # the blocks of builders.common.caption and subprogram.common_unit, made here without importing the
    # builders (and the data schemas they load): the template's side reads no schemas either
    doc.section("landscape").add(model.Paragraph.of("Таблица 4", align="right"), model.Heading(TITLE),
                                 model.Paragraph.of("тыс. руб.", align="right", size=12), table)
    return doc


def make_docxtpl_template(path: Path, years: list[int]) -> None:
    """The plainest fair template for table 4: landscape A4, caption, one header row and the numbering row
    (both repeated on each page), one body row inside a ``{%tr for r in rows %}`` loop; no merged cells
    (gosprog's side of the comparison has none either, :func:`plain_document`)."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.shared import Mm, Pt

    d = docx.Document()
    section = d.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.right_margin, section.bottom_margin, section.left_margin = \
        Mm(20), Mm(15), Mm(20), Mm(25)
    style = d.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(12)
    for text, align, bold in (("Таблица 4", WD_ALIGN_PARAGRAPH.RIGHT, False),
                              ("{{ title }}", WD_ALIGN_PARAGRAPH.CENTER, True),
                              ("тыс. руб.", WD_ALIGN_PARAGRAPH.RIGHT, False)):
        p = d.add_paragraph()
        p.alignment = align
        p.add_run(text).bold = bold
    labels = header_labels(years)
    n = len(labels)
    table = d.add_table(rows=5, cols=n)
    table.style = "Table Grid"
    head, numbers, loop, body, end = table.rows
    for i, text in enumerate(labels):
        head.cells[i].text = text
    for i in range(n):
        numbers.cells[i].text = str(i + 1)
    loop.cells[0].text = "{%tr for r in rows %}"
    end.cells[0].text = "{%tr endfor %}"
    for i, name in enumerate(FIELDS[:n]):
        body.cells[i].text = "{{ r.%s }}" % name
        if i >= len(HEAD):
            body.cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for row in (head, numbers):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:tblHeader"))
        for cell in row.cells:
            for p in cell.paragraphs:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(9.5)
    widths = [0.7, 1.5, 3.4, 2.4, 2.3] + [1.75] * (len(years) + 1)
    usable = 297 - 15 - 25
    for row in table.rows:
        for cell, w in zip(row.cells, widths):
            cell.width = Mm(usable * w / sum(widths))
    path.parent.mkdir(parents=True, exist_ok=True)
    d.save(str(path))


def money(v) -> str:
    """A figure as printed in the act: "15 736 027,0" (what the team's code does before templating)."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    return f"{Decimal(v):,.1f}".replace(",", "\u00a0").replace(".", ",")


def baseline_rows(table_json: dict, formatted: bool = True) -> list[dict]:
    """The template context: one dict per printed line; the row's first cells on its first line only.
    Amounts as printed ("15 736 027,0", what the team's code does before templating), or as they are."""
    fmt = money if formatted else (lambda v: v)
    out = []
    for row in table_json["rows"]:
        for i, line in enumerate(row["sources"]):
            first = i == 0
            item = {"no": row.get("no") or "" if first else "", "status": (row.get("status") or "") if first else "",
                    "name": (row.get("name") or "") if first else "",
                    "executor": (row.get("executor") or "") if first else "",
                    "label": line["label"], "total": fmt(line["total"])}
            for k, v in enumerate(line["values"]):
                item[f"y{k}"] = fmt(v)
            out.append(item)
    return out


# --- synthetic subsidy data for the scale runs ---------------------------------------------------

YEAR, QUARTER = 2021, 2
SUBSIDY = "camps"
GROUPS = 8            # value sets; municipality i uses set i % GROUPS
TOKEN_CODE = "m{:06d}"
TOKEN_NAME = "Муниципальное образование N{:06d}"
TOKEN_NUMBER = "SYN-{:06d}/2021"


def _group_values(k: int) -> dict:
    """Agreement amounts and the figures a municipality types in (group 7 overspends: rejected)."""
    subsidy = Decimal(500000 + 37519 * k) + Decimal("0.17")
    level = Decimal(90)
    local = (subsidy * (100 - level) / level).quantize(Decimal("0.01"))
    received = (subsidy / 2).quantize(Decimal("0.01"))
    used = (received * Decimal("0.8")).quantize(Decimal("0.01"))
    local_received = (local / 2).quantize(Decimal("0.01"))
    local_used = (local_received * Decimal("0.85")).quantize(Decimal("0.01"))
    if k == GROUPS - 1:
        used = received + 1000     # spent more than received: Q02 rejects the file
    return {"subsidy": subsidy, "level": level, "local": local,
            "values": {"regional": {"received": received, "used": used},
                       "local": {"received": local_received, "used": local_used},
                       "extra": {"received": Decimal("0.00"), "used": Decimal("0.00")}}}


def write_subsidy_folder(folder: Path, n: int) -> Path:
    """A program folder with only ``subsidies/``: ``n`` municipalities, one subsidy (the default data's
    camps rules and expense-report form), one agreement each for YEAR."""
    import shutil

    import yaml
    sub = folder / "subsidies"
    (sub / "forms").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DEFAULT_DATA / "subsidies" / "forms" / "expense-report.yaml",
                    sub / "forms" / "expense-report.yaml")
    subsidies = yaml.safe_load((DEFAULT_DATA / "subsidies" / "subsidies.yaml").read_text(encoding="utf-8"))
    camps = next(s for s in subsidies["items"] if s["id"] == SUBSIDY)
    camps["cofinancing"] = {"max_level": None}
    (sub / "subsidies.yaml").write_text(yaml.safe_dump({"items": [camps]}, allow_unicode=True), encoding="utf-8")
    lines = ["items:"]
    for i in range(n):
        lines.append(f'  - {{code: {TOKEN_CODE.format(i)}, name: "{TOKEN_NAME.format(i)}", kind: district}}')
    (sub / "municipalities.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = ["sample: true", f"year: {YEAR}", "agreements:"]
    for i in range(n):
        g = _group_values(i % GROUPS)
        lines.append(f'  - {{subsidy: {SUBSIDY}, municipality: {TOKEN_CODE.format(i)}, '
                     f'number: "{TOKEN_NUMBER.format(i)}", date: {YEAR}-02-10, subsidy_amount: {g["subsidy"]}, '
                     f'level: {g["level"]}, local_amount: {g["local"]}, results: {{camps: 1}}}}')
    (sub / f"agreements-{YEAR}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def filled_templates(data) -> list[bytes]:
    """One filled form per value group, generated and filled by gosprog for municipality number g."""
    from generator.quarterly.forms import generate
    from generator.quarterly.sample import fill
    from generator.quarterly.schema import SampleSubmission
    out = []
    for g in range(GROUPS):
        code = TOKEN_CODE.format(g)
        agreement = data.agreement(SUBSIDY, code, YEAR)
        spec = data.form_of(SUBSIDY)
        form = generate(spec, data.subsidies[SUBSIDY], data.municipalities[code], agreement, YEAR, QUARTER,
                        None, sample=True)
        entry = SampleSubmission(subsidy=SUBSIDY, municipality=code, quarter=QUARTER,
                                 submitted=dt.date(YEAR, 7, 5), values=_group_values(g)["values"])
        out.append(fill(form, spec, entry))
    return out


def clone_form(template: bytes, g: int, i: int, data) -> bytes:
    """The filled form of municipality ``i`` made from group ``g``'s template by replacing its identity
    (code, name, agreement number and the identity checksum): same bytes as generate + fill would
    give for the texts, at a fraction of the cost. Only the zip entries that hold text are rewritten."""
    from generator.quarterly.forms import identity_checksum, prefill_values
    spec = data.form_of(SUBSIDY)

    def checksum(k: int) -> str:
        agreement = data.agreement(SUBSIDY, TOKEN_CODE.format(k), YEAR)
        identity = {"form": spec.id, "form_version": spec.version, "subsidy": SUBSIDY,
                    "municipality": TOKEN_CODE.format(k), "year": YEAR, "quarter": QUARTER,
                    "agreement": agreement.number}
        prefilled = {r: {c: str(v) for c, v in cols.items()} for r, cols in prefill_values(spec, agreement).items()}
        return identity_checksum(identity, prefilled)

    swaps = [(TOKEN_CODE.format(g), TOKEN_CODE.format(i)), (TOKEN_NAME.format(g), TOKEN_NAME.format(i)),
             (TOKEN_NUMBER.format(g), TOKEN_NUMBER.format(i)), (checksum(g), checksum(i))]
    # the sheets may hold a text's letters as XML character references (the name's Cyrillic: "&#1052;...")
    swaps += [(old.encode("ascii", "xmlcharrefreplace").decode(), new.encode("ascii", "xmlcharrefreplace").decode())
              for old, new in swaps if not old.isascii()]
    source = zipfile.ZipFile(io.BytesIO(template))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            # every part that holds one of the identity's texts (a part with the name, written as character
            # references, and no code was once left alone: every cloned form was refused, unseen, for a day)
            if info.filename.endswith(".xml") and any(old.encode("utf-8") in content for old, _ in swaps):
                text = content.decode("utf-8")
                for old, new in swaps:
                    text = text.replace(old, new)
                content = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, content, compresslevel=1)
    return out.getvalue()

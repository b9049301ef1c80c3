"""Very long tokens (a pasted URL, text typed without spaces) get line-break opportunities before layout,
in both PDF engines, so layout stays linear (issue 23, point 5).

The 40,000-character word is rendered in a child process whose address space is limited (RLIMIT_AS) and
whose peak memory is asserted: the test is bounded by memory, not by time (timing lives in bench/).
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import squash
from generator.writers import _plain

ALPHABET = "абвгдежзиклмнопрстуфхцчшщэюя"
ZWSP = "\u200b"


def word(n: int) -> str:
    return "".join(ALPHABET[i % len(ALPHABET)] for i in range(n))


def test_short_texts_unchanged():
    for text in ("Итого 15\u00a0736\u00a0027,0", word(40), "социально-экономического " * 10, ""):
        assert _plain.breakable(text) == text


def test_long_token_gets_opportunities_every_20_characters():
    text = f"начало {word(45)} конец"
    out = _plain.breakable(text)
    assert out == f"начало {word(20)}{ZWSP}{word(45)[20:40]}{ZWSP}{word(45)[40:]} конец"
    assert out.replace(ZWSP, "") == text


def test_every_long_token_of_a_text_and_nothing_else():
    long_a, long_b = word(50), "x" * 41
    out = _plain.breakable(f"{long_a} short-{long_b}/tail")
    assert out.split(" ")[0] == f"{long_a[:20]}{ZWSP}{long_a[20:40]}{ZWSP}{long_a[40:]}"
    assert out.endswith(f"short-{'x' * 20}{ZWSP}{'x' * 20}{ZWSP}x/tail")


def test_for_pdf_breaks_texts_but_not_image_data():
    import base64
    import datetime as dt

    from generator import model
    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    doc = model.Document(title="Документ", kind="x", date=dt.datetime(2021, 1, 1))
    doc.section("portrait").add(model.Paragraph.of(word(100)), model.Image(data=png * 20, width_mm=10))
    data = _plain.for_pdf(doc)
    paragraph, image = data["sections"][0]["blocks"]
    assert paragraph["runs"][0]["text"].count(ZWSP) == 4
    assert ZWSP not in image["png"] and base64.b64decode(image["png"]) == png * 20


CHILD = textwrap.dedent('''
    import datetime as dt, json, resource, sys
    from pathlib import Path
    from generator import model, writers
    limit = int(sys.argv[3]) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    n, engine, out = 40000, sys.argv[1], Path(sys.argv[2])
    alphabet = "абвгдежзиклмнопрстуфхцчшщэюя"
    word = "".join(alphabet[i % len(alphabet)] for i in range(n))
    C = model.Cell
    table = model.Table(columns=[model.Column(width=1), model.Column(width=4), model.Column(width=1, kind="number")],
                        header=[model.Row([C("N"), C("Текст"), C("Сумма")])],
                        body=[model.Row([C("1."), C(word), C(1)]), model.Row([C("2."), C("конец таблицы"), C(2)])])
    doc = model.Document(title="Длинное слово", kind="x", date=dt.datetime(2021, 1, 1))
    doc.section("portrait").add(table)
    writers.write(doc, out, "pdf", pdf_engine=engine)
    # VmHWM: the peak resident size of this process image (ru_maxrss may carry a forking parent's size)
    hwm = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM:"))
    print(json.dumps({"peak_mb": int(hwm.split()[1]) / 1024}))
''')

ADDRESS_SPACE_MB = 3072      # the child's whole address space: a runaway layout fails here, not the machine
PEAK_MB = 600                # measured peaks are about 100 MB (Typst) and 80 MB (WeasyPrint)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
def test_40000_character_word_in_a_table_cell(engine, tmp_path):
    out = tmp_path / f"long-{engine}.pdf"
    run = subprocess.run([sys.executable, "-c", CHILD, engine, str(out), str(ADDRESS_SPACE_MB)],
                         capture_output=True, text=True, timeout=600, cwd=Path(__file__).resolve().parent.parent)
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout)["peak_mb"] < PEAK_MB
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "[U+200B]" not in text        # an opportunity, never a printed "missing glyph"
    flat = squash(text.replace(ZWSP, ""))    # Typst extracts the opportunities as U+200B, WeasyPrint drops them
    # the word's characters, in order, across lines and pages (the number cell beside it and the page
    # footers come between), every one printed once; the table goes on after it
    assert in_order(word(40000), flat)
    assert sum(ch in ALPHABET for ch in flat) < 40000 + 20 * text.count("\f")     # nothing printed twice
    assert flat.index("конецтаблицы") > 40000


def in_order(needle: str, haystack: str) -> bool:
    """Every character of ``needle`` appears in ``haystack`` in the same order (others may come between)."""
    rest = iter(haystack)
    return all(ch in rest for ch in needle)

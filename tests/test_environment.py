"""The same documents on every machine: bundled fonts only, templates installed with the package, locked versions.

A fresh machine may have no Liberation fonts, other system fonts, or a newer release of a dependency; none
of that may change a PDF. These tests build with the system's fonts hidden from fontconfig, build from an
installed wheel (not the source tree), and compare the installed versions with requirements.lock.
"""

from __future__ import annotations

import json

import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from docx import Document as DocxDocument

from conftest import ROOT, lock_mismatches, locked_versions, make_document, pdf_pages_text, pdf_reader, render_pdf
from generator import fonts, model, templates, writers

FIXTURE = ROOT / "tests" / "fixtures" / "tiny-program"
EDITION = "2024-03-15"
PRIVATE_USE = "\uf0b7"          # the Symbol-font bullet Word leaves in pasted lists (../shared/cases/data)


def _gosprog(*args: str, env: dict | None = None, cwd: Path | None = None, exe: str | None = None):
    command = [exe] if exe else [sys.executable, "-m", "generator"]
    run = subprocess.run(command + list(args), capture_output=True, text=True, env=env, cwd=cwd or ROOT,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    return run


def _no_system_fonts_env(tmp_path: Path) -> dict:
    """An environment whose fontconfig knows no font folder at all (the system fonts hidden)."""
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
                      f"<fontconfig><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>\n", encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(config), "FONTCONFIG_PATH": str(tmp_path)}


def _pdf_fonts(data: bytes) -> set[str]:
    """The base font names of every font used on every page (as ``pdffonts`` lists them, subset tag removed)."""
    names = set()
    for page in pdf_reader(data).pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1])
    return names


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- fonts ----------------------------------------------------------------------------------------------------


def test_bundled_faces_are_liberation_serif_with_licence():
    from fontTools.ttLib import TTFont

    for name, weight, style in fonts.FACES:
        with TTFont(fonts.folder() / name) as font:
            assert font["name"].getDebugName(1) == fonts.PRINT_FAMILY
            assert font["name"].getDebugName(5).startswith("Version 2.")
            assert (font["OS/2"].usWeightClass >= 700) == (weight == "bold")
    licence = (fonts.folder() / "LICENSE-LiberationSerif.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    # Cyrillic, the number sign and the dashes of the act are all drawn by the bundled faces
    assert fonts.missing("Социальная поддержка № 395 — 15 736 027,0 «х» ‰ –") == []


@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
def test_pdf_uses_only_the_bundled_font(engine, tmp_path):
    data = render_pdf(make_document(notice="Образец (условные данные)"), tmp_path, engine)
    used = _pdf_fonts(data)
    assert used and all(re.fullmatch(r"Liberation-?Serif(-Bundled)?(-Bold|-Italic|-BoldItalic)?", n) for n in used), used


def test_package_built_without_system_fonts_is_byte_identical(tmp_path):
    """Both engines: the package built with fontconfig seeing no system font equals the normal build."""
    for engine in ("typst", "weasyprint"):
        normal, hidden = tmp_path / f"normal-{engine}", tmp_path / f"hidden-{engine}"
        args = ["build", str(FIXTURE), "--format", "pdf", "--pdf-engine", engine, "--quiet", "--jobs", "1"]
        _gosprog(*args, "--out", str(normal))
        _gosprog(*args, "--out", str(hidden), env=_no_system_fonts_env(tmp_path))
        a, b = _files(normal), _files(hidden)
        assert [n for n in a if n.endswith(".pdf")], a.keys()
        assert a.keys() == b.keys()
        assert [n for n in a if a[n] != b[n]] == [], engine


@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
@pytest.mark.parametrize("standard", [None, "a-2b"])
def test_character_without_glyph_is_printed_visibly_never_dropped(engine, standard, tmp_path):
    doc = make_document(extra_texts=[f"{PRIVATE_USE} Повысить уровень жизни"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = render_pdf(doc, tmp_path, engine, pdf_standard=standard)
    text = "\n".join(pdf_pages_text(data))
    assert "[U+F0B7]" in text and PRIVATE_USE not in text
    messages = [str(w.message) for w in caught if issubclass(w.category, fonts.MissingGlyphWarning)]
    assert messages and "U+F0B7" in messages[0] and "Liberation Serif" in messages[0]


def test_printable_keeps_covered_text_and_marks_the_rest():
    assert fonts.printable("Итого 15 736 027,0") == "Итого 15 736 027,0"
    assert fonts.printable(f"{PRIVATE_USE}цель\nзадача\t1") == "[U+F0B7]цель\nзадача\t1"
    assert fonts.missing(f"a{PRIVATE_USE}b{PRIVATE_USE}\U0001F600") == [PRIVATE_USE, "\U0001F600"]


def test_recorded_coverage_is_what_fonttools_reads_from_the_bundled_faces(tmp_path, monkeypatch):
    """``templates/fonts/coverage.json`` (``python -m generator.fonts``) is for the bundled faces as they are, and
    gives the code points fontTools reads from them; a record for other faces is not used."""
    recorded = json.loads((fonts.folder() / fonts.COVERAGE_FILE).read_text(encoding="utf-8"))
    assert set(recorded["faces"]) == {name for name, _, _ in fonts.FACES}
    fonts.coverage.cache_clear()
    try:
        assert fonts.coverage() == fonts.read_coverage() and len(fonts.coverage()) > 2000
        for name, _, _ in fonts.FACES:
            (tmp_path / name).write_bytes((fonts.folder() / name).read_bytes())
        stale = {**recorded, "ranges": [[65, 66]]}
        (tmp_path / fonts.COVERAGE_FILE).write_text(json.dumps(stale), encoding="utf-8")
        monkeypatch.setattr(fonts, "folder", lambda: tmp_path)
        fonts.coverage.cache_clear()
        assert fonts.coverage() == frozenset({65, 66})           # the record is trusted for the same faces
        stale["faces"][fonts.FACES[0][0]] = "0" * 64
        (tmp_path / fonts.COVERAGE_FILE).write_text(json.dumps(stale), encoding="utf-8")
        fonts.coverage.cache_clear()
        assert fonts.coverage() == fonts.read_coverage()          # not for other faces: read from them
    finally:
        fonts.coverage.cache_clear()


def test_missing_characters_found_by_the_pattern_are_those_the_cmaps_lack():
    """:func:`fonts.missing` first asks one pattern made from the coverage; on every code point of the Basic
    Multilingual Plane and some beyond, alone and among covered text, it finds exactly what the cmap sets lack."""
    cover = fonts.coverage()
    for point in [*range(0, 0x10000), 0x1F600, 0x10FFFF]:
        ch = chr(point)
        expected = [] if point in cover or ch in "\n\r\t" else [ch]
        assert fonts.missing(ch) == expected, hex(point)
        assert fonts.missing(f"Итого {ch} 15 736 027,0") == expected, hex(point)


def test_docx_names_times_new_roman_in_every_style(tmp_path):
    path = writers.write(make_document(), tmp_path / "out.docx")
    doc = DocxDocument(str(path))
    styles_xml = doc.styles.element.xml
    assert "Theme=" not in styles_xml and "theme=" not in styles_xml      # no Calibri/Cambria theme fonts left
    named = set(re.findall(r'w:ascii="([^"]+)"', styles_xml))
    assert named == {fonts.OFFICE_FONT}
    assert model.Style().font == fonts.OFFICE_FONT and model.Style().print_font == fonts.PRINT_FAMILY


# --- templates are package data -------------------------------------------------------------------------------


def test_templates_found_through_the_installed_package():
    import importlib.resources

    assert templates.DEFAULT_DIR == Path(str(importlib.resources.files("gosprog_templates"))).resolve()
    for name in ("document.typ", "document.html.j2", "style.css", "memo.txt.j2", "explanatory_note.txt.j2"):
        assert (templates.DEFAULT_DIR / name).is_file(), name
    assert all((fonts.folder() / face).is_file() for face, _w, _s in fonts.FACES)


def test_wheel_install_renders_every_format_with_both_engines(tmp_path):
    """A non-editable install (wheel into a fresh virtual environment) carries the templates and fonts."""
    source = tmp_path / "src"
    source.mkdir()
    for name in ("setup.py", "setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("generator", "templates"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(dist), str(source)], check=True, capture_output=True, timeout=300)
    (wheel,) = dist.glob("gosprog-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True, timeout=300)
    # the dependencies come from this environment's site-packages (a .pth line), gosprog only from the wheel
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    deps = next(p for p in map(Path, sys.path) if p.name == "site-packages" and (p / "typst").is_dir())
    Path(purelib, "gosprog-test-deps.pth").write_text(str(deps) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([str(python), "-c", "import generator, generator.templates as t; "
                            "print(generator.__file__); print(t.DEFAULT_DIR)"],
                           check=True, capture_output=True, text=True, env=env, cwd=tmp_path).stdout.split("\n")
    assert where[0].startswith(str(venv)) and where[1].startswith(str(venv)), where
    exe = str(venv / "bin" / "gosprog")
    out = tmp_path / "out"
    _gosprog("build", str(FIXTURE), "--out", str(out / "typst"), "--format", "docx,xlsx,pdf", "--quiet",
             "--pdf-engine", "typst", env=env, cwd=tmp_path, exe=exe)
    _gosprog("build", str(FIXTURE), "--out", str(out / "weasyprint"), "--format", "pdf", "--quiet",
             "--pdf-engine", "weasyprint", env=env, cwd=tmp_path, exe=exe)
    for engine in ("typst", "weasyprint"):
        package = out / engine / "tiny-program" / EDITION
        pdf = (package / "00-programma-pasport.pdf").read_bytes()
        assert "Малая" in "".join(pdf_pages_text(pdf))
        assert all(n.startswith("Liberation") for n in _pdf_fonts(pdf)), _pdf_fonts(pdf)
    package = out / "typst" / "tiny-program" / EDITION
    assert {p.suffix for p in package.iterdir()} >= {".docx", ".xlsx", ".pdf"}
    assert "Малая" in "\n".join(p.text for p in DocxDocument(str(package / "00-programma-pasport.docx")).paragraphs)


# --- locked dependencies --------------------------------------------------------------------------------------


def test_lock_pins_safe_versions():
    pins = locked_versions()
    assert {"typst", "weasyprint", "jinja2", "python-docx", "openpyxl", "pytest", "pip", "setuptools"} <= pins.keys()
    major, minor, patch = (int(x) for x in pins["jinja2"].split(".")[:3])
    assert (major, minor, patch) >= (3, 1, 6)           # the first 3.1 release without the known sandbox escapes
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert all(f"{name}==" in lock and "--hash=sha256:" in lock for name in pins)


@pytest.mark.skipif(os.environ.get("GOSPROG_LOCKED") != "1",
                    reason="not run through `make test` (GOSPROG_LOCKED=1): the environment may be any")
def test_installed_versions_are_the_locked_ones():
    assert lock_mismatches() == {}

"""Parallel and incremental builds give exactly what a serial full build gives.

A few documents of the default package in DOCX, XLSX and PDF: built serially from scratch (the
reference), in parallel (``--jobs 2``), again with nothing changed (nothing rendered), and after one
document changed (only that one rendered). Every file, the manifest and the zip must be byte-identical
to the reference, and the manifest's sha256 values the same.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT
from generator import package
from generator.cli import main

DATA = ROOT / "data" / "social-support-vologda"
ONLY = ["00-programma-pasport", "11-podprogramma-1-pasport", "12-podprogramma-2-tablicy"]
FORMATS = ("docx", "xlsx", "pdf")


def cli_build(out: Path, *extra: str) -> tuple[Path, str]:
    """``gosprog build`` of the ONLY documents into ``out``; returns the package folder and the output."""
    args = ["build", str(DATA), "--out", str(out), "--format", ",".join(FORMATS), "--pdf-engine", "typst"]
    for name in ONLY:
        args += ["--only", name]
    result = CliRunner().invoke(main, args + list(extra), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (manifest,) = out.glob("*/*/manifest.json")
    return manifest.parent, result.output


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a package folder and its zip, by name."""
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
    files["(zip)"] = folder.with_name(folder.name + ".zip").read_bytes()
    return files


def manifest_hashes(folder: Path) -> dict[str, str]:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {e["file"]: e["sha256"] for e in manifest["files"]}


def assert_same(folder: Path, reference: dict[str, bytes]) -> None:
    got = snapshot(folder)
    assert sorted(got) == sorted(reference)
    different = [name for name in reference if got[name] != reference[name]]
    assert not different, f"files differ from the serial full build: {different}"


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The reference: a serial (one process) full build."""
    folder, _ = cli_build(tmp_path_factory.mktemp("serial"), "--jobs", "1", "--full", "-q")
    files = snapshot(folder)
    assert len([n for n in files if n.rsplit(".", 1)[-1] in FORMATS]) == len(ONLY) * len(FORMATS)
    return folder, files


def test_parallel_build_is_byte_identical(tmp_path, serial):
    reference_folder, reference = serial
    folder, _ = cli_build(tmp_path, "--jobs", "2", "--full", "-q")
    assert_same(folder, reference)
    assert manifest_hashes(folder) == manifest_hashes(reference_folder)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_rebuild_with_nothing_changed_renders_nothing(tmp_path, serial, jobs):
    reference_folder, reference = serial
    cli_build(tmp_path, "--jobs", jobs, "--full", "-q")
    folder, output = cli_build(tmp_path, "--jobs", jobs)
    # decided from the file hashes and the manifest, before the program is read (tests/test_nochange_rebuild.py)
    assert "Nothing changed since the last build" in output or "ничего не изменилось" in output
    assert_same(folder, reference)
    assert manifest_hashes(folder) == manifest_hashes(reference_folder)


def _planned():
    from generator.builders import program_package
    from generator.data import load_program
    program, located = load_program(str(DATA), with_locations=True)
    planned = [p for p in program_package(program, located) if p.name in ONLY]
    assert len(planned) == len(ONLY)
    meta = {"program": program.code, "title": program.title, "edition": program.edition.date.isoformat(),
            "date": program.edition.date.isoformat(), "kind": "program-package"}
    return planned, meta


def _build(planned, destination: Path, meta: dict, jobs: int, incremental: bool) -> dict:
    options = package.Options(formats=FORMATS, pdf_engine="typst", jobs=jobs, incremental=incremental)
    return package.build(planned, destination, options, meta, base=DATA)


@pytest.mark.parametrize("jobs", [1, 2])
def test_api_no_change_rebuild_renders_zero(tmp_path, jobs):
    planned, meta = _planned()
    first = _build(planned, tmp_path / "pkg", meta, jobs, incremental=True)
    assert first["rendered"] == len(ONLY) * len(FORMATS)
    again = _build(planned, tmp_path / "pkg", meta, jobs, incremental=True)
    assert again["rendered"] == 0
    assert [e["sha256"] for e in again["files"]] == [e["sha256"] for e in first["files"]]


@pytest.mark.parametrize("jobs", [1, 2])
def test_incremental_build_after_a_change_equals_a_full_build(tmp_path, jobs):
    """One document changes: only its files are rendered, and the package equals a serial full build of
    the changed documents (a reused file is never stale, a re-rendered one is the same as from scratch)."""
    planned, meta = _planned()
    _build(planned, tmp_path / "pkg", meta, jobs, incremental=True)
    changed = copy.deepcopy(planned)
    changed[0].document.title += " (изменено)"
    rebuilt = _build(changed, tmp_path / "pkg", meta, jobs, incremental=True)
    assert rebuilt["rendered"] == len(FORMATS)
    reference = _build(changed, tmp_path / "full" / "pkg", meta, 1, incremental=False)   # same name: same zip
    assert reference["rendered"] == len(ONLY) * len(FORMATS)
    assert_same(tmp_path / "pkg", snapshot(tmp_path / "full" / "pkg"))
    assert [e["sha256"] for e in rebuilt["files"]] == [e["sha256"] for e in reference["files"]]

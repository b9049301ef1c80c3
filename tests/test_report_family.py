"""A new report family is one package (builders + ``plan``) and one command registration: nothing else
in the command line, the package builder or the writers changes."""

import json
import sys
import zipfile

from click.testing import CliRunner

import generator.cli as cli
from generator import paths, plans

TOY_FAMILY = {
    "__init__.py": '"""A toy report family: the list of the program\'s subprograms."""\n',
    "builders.py": '''
from generator import model


def subprograms_document(program):
    doc = model.Document(title=f"Перечень подпрограмм: {program.title}", kind="toy-list")
    header = [model.Row([model.Cell("Код"), model.Cell("Наименование")])]
    body = [model.Row([model.Cell(s.code), model.Cell(s.title)]) for s in program.subprograms]
    doc.section().add(model.Heading("Перечень подпрограмм"),
                      model.Table(columns=[model.Column(2), model.Column(12)], header=header, body=body,
                                  numbering=False))
    return doc
''',
    "plan.py": '''
from generator.paths import program_folder
from generator.plans import Plan, Planned

from .builders import subprograms_document


def plan(program, out):
    return Plan([Planned("perechen-podprogramm", "toy-list", subprograms_document(program))],
                program_folder(out, program.code) / "toy", {"program": program.code, "kind": "toy-list",
                                                          "date": program.edition.date.isoformat()})
''',
    "cli.py": '''
import click

from generator.cli.common import DEFAULT_DATA, load_or_exit, parse_formats, publish


@click.command("toy")
@click.argument("data_dir", default=DEFAULT_DATA, type=click.Path())
@click.option("--out", default="output")
@click.option("--format", "formats", default="docx,xlsx")
def toy(data_dir, out, formats):
    """The list of subprograms (a toy report family)."""
    from generator.package import Options
    from .plan import plan
    program, _ = load_or_exit(data_dir)
    planned = plan(program, out)
    manifest = publish(planned, Options(formats=parse_formats(formats)))
    click.echo(f"{len(manifest['files'])} files in {planned.destination}")
''',
}


def test_toy_report_family_is_one_package_and_one_registration(tmp_path, monkeypatch):
    package = tmp_path / "src" / "toyfamily"
    package.mkdir(parents=True)
    for name, text in TOY_FAMILY.items():
        (package / name).write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    monkeypatch.setitem(cli.COMMANDS, "toy", "toyfamily.cli:toy")        # the one registration

    out = tmp_path / "out"
    result = CliRunner().invoke(cli.main, ["toy", "data/social-support-vologda", "--out", str(out)])
    assert result.exit_code == 0, result.output
    folder = out / "social-support-vologda" / "toy"
    assert f"2 files in {folder}" in result.output
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "toy-list"
    assert len(manifest["files"]) == 2 and "perechen-podprogramm.docx" in json.dumps(manifest["files"])
    with zipfile.ZipFile(folder / "perechen-podprogramm.docx") as docx:
        body = docx.read("word/document.xml").decode("utf-8")
    assert "Перечень подпрограмм" in body and "Предоставление мер социальной поддержки" in body
    from openpyxl import load_workbook
    sheet = load_workbook(folder / "perechen-podprogramm.xlsx").active
    codes = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "Код" in codes and "1" in [str(c) for c in codes]
    for module in [m for m in sys.modules if m.startswith("toyfamily")]:
        sys.modules.pop(module)


def test_every_family_plans_under_one_folder_convention(tmp_path):
    import datetime as dt
    code = "Программа 1/2"
    root = tmp_path / paths.safe_name(code)
    assert paths.program_package_folder(tmp_path, code, dt.date(2021, 8, 31)) == root / "2021-08-31"
    assert paths.editions_diff_folder(tmp_path, code, dt.date(2021, 8, 17), dt.date(2021, 8, 31)) \
        == root / "diff-2021-08-17-2021-08-31"
    assert paths.annual_folder(tmp_path, code, 2021) == root / "annual" / "2021"
    assert paths.quarterly_reports_folder(tmp_path, code, 2021, 2) == root / "quarterly" / "2021" / "q2" / "reports"
    assert paths.quarterly_forms_folder(tmp_path, code, 2021, 2) == root / "quarterly" / "2021" / "q2" / "forms"
    assert paths.registry_folder(tmp_path, code) == root / "submissions"
    assert paths.registry_folder(tmp_path, code, tmp_path / "reg") == tmp_path / "reg"
    assert "/" not in paths.tables_workbook_name(code, dt.date(2021, 8, 31))


def test_plan_only_keeps_matching_documents():
    from generator import model
    plan = plans.Plan([plans.Planned("00-a-pasport", "program-passport", model.Document("a")),
                       plans.Planned("01-b-tablicy", "program-tables", model.Document("b"))],
                      paths.Path("x"), {})
    assert [p.name for p in plan.only(["tables"]).documents] == ["01-b-tablicy"]
    assert plan.only([]).documents == plan.documents and plan.only(["zzz"]).documents == []


def test_every_family_stamps_its_documents_in_one_place():
    import datetime as dt

    from generator.builders.common import SAMPLE_NOTICE, stamped_document
    doc = stamped_document("Отчет", "quarterly-municipality-report", dt.date(2021, 4, 1), True)
    assert (doc.title, doc.kind, doc.date, doc.notice) == ("Отчет", "quarterly-municipality-report",
                                                           dt.datetime(2021, 4, 1), "Образец (условные данные)")
    assert stamped_document("Т", "k", dt.datetime(2022, 2, 20), False).notice is None
    assert SAMPLE_NOTICE == "Образец (условные данные)"

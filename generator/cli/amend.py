"""``gosprog edition new`` and ``gosprog tables export|import``: preparing an amendment.

\b
gosprog edition new DATA_DIR --date 2021-10-01 --number 1100   start the next edition
gosprog tables export DATA_DIR --out tables.xlsx                 the figure tables, for Excel
gosprog tables import tables.xlsx DATA_DIR                       the edited figures, back into YAML
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import click

from ..i18n import _
from .common import DEFAULT_DATA, UserError, load_or_exit


def _date(ctx, param, value):
    if value is None:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"ожидалась дата ГГГГ-ММ-ДД, получено «{value}»") from None


@click.group("edition", help=_("Editions of the program: start the next one."))
def edition() -> None:
    """Editions of the program (see the help text above)."""


@edition.command("new", help=_("Start the next edition: a copy of the data with its own date and act number."))
@click.argument("data_dir", default=DEFAULT_DATA, type=click.Path())
@click.option("--date", "date", required=True, callback=_date, help=_("The new edition is in force from (YYYY-MM-DD)."))
@click.option("--number", required=True, help=_("Number of the amending act."))
@click.option("--act-date", callback=_date, default=None, help=_("Date of the amending act (default: --date)."))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help=_("Write the new edition to this new folder (DATA_DIR stays the previous edition). "
                     "Without it the previous edition is kept in DATA_DIR/editions/<date>/."))
def edition_new(data_dir, date, number, act_date, out_dir) -> None:
    """Start the next edition (see the help text above)."""
    from ..amend.edition import EditionError, start
    program, _located = load_or_exit(data_dir)
    try:
        done = start(Path(data_dir), program, date, number, act_date, Path(out_dir) if out_dir else None)
    except EditionError as exc:
        raise UserError(str(exc)) from None
    old = program.edition
    click.echo(f"Новая редакция от {date:%d.%m.%Y} (N {number}){' [образец]' if old.sample else ''}: {done['edition']}")
    click.echo(f"Предыдущая редакция от {old.date:%d.%m.%Y} (N {old.number}) для сравнения: {done['previous']}")
    click.echo(f"Сравнение: gosprog diff {done['previous']} {done['edition']}")


@click.group("tables", help=_("The program's figure tables in an Excel workbook, both ways."))
def tables() -> None:
    """The figure tables in a workbook (see the help text above)."""


@tables.command("export", help=_("Write the editing workbook: figures unlocked, totals as formulas, the "
                                  "edition's identity hidden."))
@click.argument("data_dir", default=DEFAULT_DATA, type=click.Path())
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default=None,
              help=_("The workbook to write (default: <program>-<edition date>-tablicy.xlsx)."))
def tables_export(data_dir, out_file) -> None:
    """Write the editing workbook (see the help text above)."""
    from ..amend.workbook import export
    from ..paths import tables_workbook_name
    program, _located = load_or_exit(data_dir)
    path = Path(out_file or tables_workbook_name(program.code, program.edition.date))
    try:
        summary = export(program, path)
    except OSError as exc:
        raise UserError(f"{path}: книга не записана: {exc.strerror or exc}") from None
    click.echo(f"{path}: листов {len(summary['sheets'])}, ячеек для правки {summary['figures']}, "
               f"итогов по формулам {summary['totals']} (редакция от {program.edition.date:%d.%m.%Y} "
               f"N {program.edition.number})")


@tables.command("import", help=_("Read the edited workbook and write the changed figures into the YAML files."))
@click.argument("workbook", type=click.Path(dir_okay=False))
@click.argument("data_dir", default=DEFAULT_DATA, type=click.Path())
@click.option("--dry-run", is_flag=True, help=_("Show the changes, write nothing."))
def tables_import(workbook, data_dir, dry_run) -> None:
    """Read the edited workbook (see the help text above)."""
    from .. import rules
    from ..findings import block
    from ..amend.workbook import WorkbookError, history_appends, planned_edits, read_changes, shown, write_edits
    program, located = load_or_exit(data_dir)
    try:
        result = read_changes(program, Path(workbook))
    except WorkbookError as exc:
        raise UserError(str(exc)) from None
    problems = []
    if result.errors:
        problems.append("Неверные значения (книга не загружена):")
        problems += [f"  {e}" for e in result.errors]
    if result.structural:
        problems.append("Структурные изменения в книге не применяются (новые строки, годы, подписи вносятся "
                        "в YAML-файлы данных, затем таблицы выгружаются заново):")
        problems += [f"  {e}" for e in result.structural]
    if problems:
        problems.append("Ничего не записано.")
        raise UserError("\n".join(problems))
    if not result.changes:
        click.echo("Изменений нет: цифры книги совпадают с данными.")
        return
    click.echo(f"Изменено значений: {len(result.changes)}")
    table = None
    for ch in result.changes:
        if ch.table != table:
            table = ch.table
            click.echo(f"{table}:")
        mark = " (итог)" if ch.total else ""
        click.echo(f"  {ch.cell}: {ch.row}; {ch.column}: {shown(ch.old)} → {shown(ch.new)}{mark}")
    edits = planned_edits(program, located, result.changes)
    if dry_run:
        click.echo("Проверочный запуск: файлы не изменены.")
        return
    def key(f):     # a finding is new when no finding of its rule was at its place before (figures may differ)
        return f.rule, f.location(), tuple(f.codes)

    before = {key(f) for f in rules.check(program, located)}
    try:
        written = write_edits(edits, history_appends(program, located, result.changes))
    except WorkbookError as exc:
        raise UserError(str(exc)) from None
    for path in written:
        click.echo(f"записан {path}")
    click.echo(f"В историю изменений измененных таблиц внесен акт редакции: постановление от "
               f"{program.edition.act_date:%d.%m.%Y} N {program.edition.number}.")
    new_program, new_located = load_or_exit(data_dir)
    findings = [f for f in rules.check(new_program, new_located) if key(f) not in before]
    if findings:
        click.echo(f"Новые замечания контрольных соотношений ({len(findings)}):")
        for f in findings:
            first, message = block(f, indent=10)
            click.echo(f"  {first}")
            click.echo(message)
    else:
        click.echo("Новых замечаний контрольных соотношений нет.")

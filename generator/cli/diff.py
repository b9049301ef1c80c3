"""``gosprog diff OLD NEW``: compare two editions and build the comparison package.

The package (the comparison table and the explanatory note, in every format, with a
manifest and a zip) is written atomically to ``OUT/<program>/diff-<old date>-<new date>/``.
"""

from __future__ import annotations

import json
import sys

import click

from .common import UserError, checked, force_option, load_or_exit, parse_formats as _formats, pdf_engine_option, \
    publish


def _money(value) -> str:
    from ..numbers import money_or_dash
    return money_or_dash(value)


def summary_lines(result) -> list[str]:
    """A few lines for the terminal: what changed, in figures."""
    lines = [f"{result.title}",
             f"редакция от {result.old.date:%d.%m.%Y} (N {result.old.number})"
             f"{' [образец]' if result.old.sample else ''} -> редакция от {result.new.date:%d.%m.%Y} "
             f"(N {result.new.number}){' [образец]' if result.new.sample else ''}"]
    if result.is_empty():
        lines.append("изменений нет")
        return lines
    for m in result.subprogram_totals():
        t = m.total
        lines.append(f"  подпрограмма {m.subprogram}: {_money(t.old)} -> {_money(t.new)} тыс. руб. "
                     f"(отклонение {_money(t.difference)})")
    for m in result.money:
        if m.level == "subprogram":
            continue
        years = ", ".join(f"{y.year}: {_money(y.difference)}" for y in m.changed_years)
        lines.append(f"    {LEVELS.get(m.level, m.level)} {m.code}: {years}; всего {_money(m.total.difference)}")
    counts = result.summary()
    lines.append(f"  ячеек финансирования изменено: {counts['financing']}; строк добавлено/исключено: "
                 f"{counts['rows_added']}/{counts['rows_removed']}; текстовых изменений: "
                 f"{len(result.text_changes())}; иных числовых значений: {len(result.figure_changes())}")
    return lines


LEVELS = {"activity": "основное мероприятие", "item": "мероприятие"}


@click.command("diff")
@click.argument("old_dir", metavar="OLD", type=click.Path())
@click.argument("new_dir", metavar="NEW", type=click.Path())
@click.option("--out", "out_dir", default="output", show_default=True, type=click.Path(file_okay=False),
              help="Where packages are written: OUT/<program>/diff-<old date>-<new date>/.")
@click.option("--format", "formats", default="docx,xlsx,pdf", show_default=True, help="Comma-separated formats.")
@pdf_engine_option
@click.option("--json", "as_json", is_flag=True, help="Print the diff as JSON instead of the summary.")
@click.option("--quiet", "-q", is_flag=True, help="No summary and no progress output.")
@force_option
def diff(old_dir, new_dir, out_dir, formats, pdf_engine, as_json, quiet, force) -> None:
    """Compare two editions (program folders) and build the comparison documents."""
    from ..editions import compare as diff_module
    from ..editions.documents import plan
    from ..package import Options
    fmts = _formats(formats)
    forced = {}
    for which, folder in (("old", old_dir), ("new", new_dir)):    # both editions are published side by side
        mark, _report = checked(folder, force)
        if mark:
            forced[which] = mark["forced"]
    old, _ = load_or_exit(old_dir)
    new, _ = load_or_exit(new_dir)
    if old.code != new.code:
        raise UserError(f"OLD and NEW are different programs ({old.code!r} and {new.code!r})")
    result = diff_module.compare(old, new)
    planned = plan(result, old, new, old_dir, new_dir, out_dir)
    manifest = publish(planned, Options(formats=fmts, pdf_engine=pdf_engine),
                       extra_meta={"forced": forced} if forced else None)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    elif not quiet:
        for line in summary_lines(result):
            click.echo(line)
    if not quiet:
        click.echo(f"{len(manifest['files'])} files ({manifest['rendered']} rendered) in {planned.destination}",
                   file=sys.stderr if as_json else None)

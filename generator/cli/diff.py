"""``gosprog diff OLD NEW``: compare two editions and build the comparison package.

The package (the comparison table and the explanatory note, in every format, with a
manifest and a zip) is written atomically to ``OUT/<program>/diff-<old date>-<new date>/``.
"""

from __future__ import annotations

import json
import sys

import click

from ..i18n import N_, _
from .common import UserError, checked, force_option, load_or_exit, parse_formats as _formats, pdf_engine_option, \
    publish


def _money(value) -> str:
    from ..numbers import money_or_dash
    return money_or_dash(value)


def summary_lines(result) -> list[str]:
    """A few lines for the terminal: what changed, in figures (thousand rubles, Russian style)."""
    sample = " " + _("[sample]")

    def edition(e) -> str:
        return _("edition of {date} (N {number})").format(date=f"{e.date:%d.%m.%Y}", number=e.number) + \
            (sample if e.sample else "")

    lines = [f"{result.title}", f"{edition(result.old)} -> {edition(result.new)}"]
    if result.is_empty():
        lines.append(_("no changes"))
        return lines
    for m in result.subprogram_totals():
        t = m.total
        lines.append("  " + _("subprogram {code}: {old} -> {new} thousand rub. (difference {difference})").format(
            code=m.subprogram, old=_money(t.old), new=_money(t.new), difference=_money(t.difference)))
    for m in result.money:
        if m.level == "subprogram":
            continue
        years = ", ".join(f"{y.year}: {_money(y.difference)}" for y in m.changed_years)
        level = _(LEVELS[m.level]) if m.level in LEVELS else m.level
        lines.append("    " + _("{level} {code}: {years}; total {total}").format(
            level=level, code=m.code, years=years, total=_money(m.total.difference)))
    counts = result.summary()
    lines.append("  " + _("financing cells changed: {cells}; rows added/removed: {added}/{removed}; text changes: "
                          "{texts}; other figures: {figures}").format(
        cells=counts["financing"], added=counts["rows_added"], removed=counts["rows_removed"],
        texts=len(result.text_changes()), figures=len(result.figure_changes())))
    return lines


LEVELS = {"activity": N_("main activity"), "item": N_("activity")}


@click.command("diff", help=_("Compare two editions (program folders OLD and NEW) and build the comparison "
                              "documents: the comparison table, the explanatory note, the draft resolution."))
@click.argument("old_dir", metavar="OLD", type=click.Path())
@click.argument("new_dir", metavar="NEW", type=click.Path())
@click.option("--out", "out_dir", default="output", show_default=True, type=click.Path(file_okay=False),
              help=_("Where packages are written: OUT/<program>/diff-<old date>-<new date>/."))
@click.option("--format", "formats", default="docx,xlsx,pdf", show_default=True, help=_("Comma-separated formats."))
@pdf_engine_option
@click.option("--json", "as_json", is_flag=True, help=_("Print the diff as JSON instead of the summary."))
@click.option("--quiet", "-q", is_flag=True, help=_("No summary and no progress output."))
@force_option
def diff(old_dir, new_dir, out_dir, formats, pdf_engine, as_json, quiet, force) -> None:
    """Compare two editions (see the help text above)."""
    from ..editions import compare as diff_module
    from ..editions.documents import plan
    from ..package import Options
    fmts = _formats(formats)
    forced = {}
    for which, folder in (("old", old_dir), ("new", new_dir)):    # both editions are published side by side
        mark, _report = checked(folder, force)
        if mark:
            forced[which] = mark["forced"]
    old, _located = load_or_exit(old_dir)
    new, _located = load_or_exit(new_dir)
    if old.code != new.code:
        raise UserError(_("OLD and NEW are different programs ({old!r} and {new!r})").format(old=old.code,
                                                                                           new=new.code))
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
        click.echo(_("{files} files ({rendered} rendered) in {folder}").format(
            files=len(manifest["files"]), rendered=manifest["rendered"], folder=planned.destination),
            file=sys.stderr if as_json else None)

"""History of amendments: which acts changed each table and passport, and which acts the data lacks.

The data records, per modelled part, the act's own notes ("Раздел III изменен с 31 августа
2021 г. - Постановление … N 1005") as ``history`` in ``program.yaml`` and in each
subprogram file; ``tables import`` adds the current edition's act to a part whose figures
it changes (:func:`history_items`). ``later_acts`` lists the act trailer's amending acts
that the data does not reflect. :func:`history_context` gives the explanatory note both.
"""

from __future__ import annotations

from ..data.schema import HistoryNote, Program

# figure paths (first key) → history part, and the element an edition's own entry names
PARTS = {"financing": ("financing", "Таблица 4"), "forecast": ("forecast", None),
         "indicator_values": ("indicator_values", "Таблица 1"), "tax_expenditures": ("tax_expenditures", "Таблица 5"),
         "passport": ("passport", "Паспорт")}


def _notes(program: Program, scope: str) -> list[HistoryNote]:
    if scope == "program":
        return list(program.history)
    sub = next((s for s in program.subprograms if s.code == scope), None)
    return list(sub.history) if sub else []


def history_items(program: Program, unit: str, touched_paths: list[tuple]) -> list[str]:
    """Flow-mapping lines to append to ``unit``'s ``history`` for the parts ``touched_paths`` change,
    naming the program's current edition; none for a part that already names it."""
    scope = "program" if unit == "program" else unit[2:]
    sub = next((s for s in program.subprograms if s.code == scope), None)
    edition = program.edition
    known = {(n.part, n.number, n.act_date) for n in _notes(program, scope)}
    out, seen = [], set()
    for path in touched_paths:
        part, element = PARTS.get(path[0], (None, None))
        if part is None or part in seen:
            continue
        seen.add(part)
        if part == "forecast":
            element = sub.forecast.table if sub and sub.forecast else "Прогнозная оценка"
        if (part, edition.number, edition.act_date) in known:
            continue
        out.append(f'{{part: {part}, element: "{element}", since: {edition.date.isoformat()}, '
                   f'act_date: {edition.act_date.isoformat()}, number: "{edition.number}"}}')
    return out


def _part_of(scope: str, table: str, program: Program) -> str:
    if scope == "program":
        return {"2": "indicators", "5": "tax_expenditures"}.get(table, "")
    return {"1": "indicator_values", "2": "indicators", "3": "activities", "4": "financing"}.get(table, "forecast")


def history_context(diff, old: Program, new: Program) -> dict:
    """``history``: per changed table / passport, its recorded acts (oldest first, the act's date,
    number and date in force), the new edition's act marked; ``later_acts``: the trailer's acts
    the new edition's data does not reflect."""
    from .draft import changed_parts
    changed = changed_parts(diff, old, new)
    parts: list[tuple[str, str, str]] = []         # (scope, part, table)
    for p in changed.positions:
        if (p["scope"], "passport", "") not in parts:
            parts.append((p["scope"], "passport", ""))
    for t in changed.tables:
        parts.append((t["scope"], _part_of(t["scope"], t["table"], new), t["table"]))
    entries = []
    edition = new.edition
    for scope, part, table in parts:
        notes = [n for n in _notes(new, scope) if n.part == part]
        acts = []
        for n in sorted(notes, key=lambda n: (n.act_date, n.number)):
            acts.append({"date": f"{n.act_date:%d.%m.%Y}", "number": n.number, "since": f"{n.since:%d.%m.%Y}",
                         "this": n.number == edition.number and n.act_date == edition.act_date,
                         "line": n.line})
        entries.append({"scope": scope, "part": part, "table": table, "acts": acts,
                        "this_recorded": any(a["this"] for a in acts)})
    later = [{"date": f"{a.date:%d.%m.%Y}", "number": a.number,
              "in_force": f"{a.in_force:%d.%m.%Y}" if a.in_force else None}
             for a in new.later_acts if a.date > edition.act_date]
    return {"history": entries, "later_acts": later,
            "edition_act": {"date": f"{edition.act_date:%d.%m.%Y}", "number": edition.number}}

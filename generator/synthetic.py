"""Synthetic programs of any size, for tests and benchmarks (issue 22).

:func:`write_program` writes a complete, valid data folder (``program.yaml`` + ``subprograms/*.yaml``,
the format of docs/data-format.md) for a made-up program: any period (a list of consecutive years),
2 to 6 funding sources, any number of subprograms, main activities and items. The figures are drawn
from a seeded generator (the same arguments always give the same bytes) and then summed bottom-up,
so every control relation of :mod:`generator.rules` holds: items add up to their main activity,
activities and executors to the subprogram, sources to "всего", years to the all-years total, the
subprograms to the passport. The folder is marked ``sample: true`` and its documents say
"Образец (условные данные)"; its ``line:`` numbers point at an imaginary act (no ``source/act.txt``).

Amounts are thousand rubles with one decimal (``Decimal``), as the acts print them; some are large
(up to tens of millions) so that wide year columns are exercised.
"""

from __future__ import annotations

import datetime as _dt
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml

from .wording import Wording

#: The funding sources a synthetic program draws from, in print order (key, table-4 label,
#: passport label, footnote name of table 3's source code).
SOURCES = [
    ("own", "собственные доходы {budget_gen}", "за счет собственных доходов {budget_gen}",
     "{budget} (собственные доходы)"),
    ("federal", "субвенции и субсидии федерального бюджета", "за счет средств федерального бюджета",
     "федеральный бюджет"),
    ("municipal", "средства бюджетов муниципальных образований области",
     "за счет средств бюджетов муниципальных образований области", "бюджеты муниципальных образований"),
    ("extrabudgetary", "внебюджетные источники", "за счет внебюджетных источников", "внебюджетные источники"),
    ("corporations", "средства государственных корпораций и публично-правовых компаний",
     "за счет средств государственных корпораций и публично-правовых компаний", "государственные корпорации"),
    ("funds", "средства государственных внебюджетных фондов", "за счет средств государственных внебюджетных фондов",
     "государственные внебюджетные фонды"),
]

DEPARTMENTS = [
    "Департамент социальной защиты населения области", "Департамент образования области",
    "Департамент здравоохранения области", "Департамент культуры и туризма области",
    "Департамент строительства области", "Департамент экономического развития области",
    "Департамент сельского хозяйства и продовольственных ресурсов области",
]

TOPICS = ["Поддержка семей с детьми", "Доступная среда", "Развитие сети учреждений", "Старшее поколение",
          "Социальная интеграция", "Профилактика безнадзорности", "Развитие кадрового потенциала",
          "Модернизация инфраструктуры", "Информационное обеспечение", "Поддержка некоммерческих организаций"]
ACTIONS = ["Предоставление выплат", "Строительство и ремонт объектов", "Оснащение учреждений", "Обучение специалистов",
           "Информирование населения", "Организация отдыха детей", "Содержание учреждений", "Компенсация расходов"]

D = Decimal
TENTH = D("0.1")


@dataclass
class _Row:
    no: str
    kind: str
    money: dict[str, list[Decimal]]          # source key -> per-year amounts
    status: str | None = None
    name: str | None = None
    executor: str | None = None
    code: str | None = None
    line: int = 0


@dataclass
class _Counter:
    line: int = 10

    def next(self, step: int = 3) -> int:
        self.line += step
        return self.line


@dataclass
class SyntheticSpec:
    """What to generate: ``first_year``..``last_year`` (3 to 17 years make sense), ``sources`` funding
    sources (2-6, the first ones of :data:`SOURCES`), ``subprograms`` × ``activities`` × ``items`` rows."""

    first_year: int = 2021
    last_year: int = 2025
    sources: int | list = 3          # a count of SOURCES, or the sources themselves (as SOURCES rows)
    subprograms: int = 2
    activities: int = 3
    items: int = 2
    seed: int = 0
    code: str | None = None
    tax_expenditures: bool = True
    kind: str = "state"
    budget: str = "regional"
    departments: tuple = tuple(DEPARTMENTS)
    topics: tuple = tuple(TOPICS)

    @property
    def source_table(self) -> list[tuple[str, str, str, str]]:
        return list(self.sources) if isinstance(self.sources, (list, tuple)) else SOURCES[:self.sources]

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))


def write_program(folder: str | Path, *, first_year: int = 2021, last_year: int = 2025, sources: int = 3,
                  subprograms: int = 2, activities: int = 3, items: int = 2, seed: int = 0,
                  code: str | None = None, tax_expenditures: bool = True, kind: str = "state",
                  budget: str = "regional", departments: list[str] | None = None,
                  topics: list[str] | None = None) -> Path:
    """Write a synthetic program into ``folder`` (created; an existing ``program.yaml`` is replaced).

    ``sources``: 2..6 funding sources besides "всего"; ``subprograms``, ``activities`` (per subprogram),
    ``items`` (per main activity; every third activity has two executors instead of items). Returns the
    folder. ``kind``/``budget``: keys of templates/wording.yaml ("municipal", "local"): the labels follow.
    Raises ValueError for a period shorter than 1 year or a source count outside 1..6, UnknownWording for
    a kind or budget the wording catalogue does not know.
    """
    spec = SyntheticSpec(first_year, last_year, sources, subprograms, activities, items, seed, code,
                         tax_expenditures, kind, budget, tuple(departments or DEPARTMENTS), tuple(topics or TOPICS))
    if last_year < first_year:
        raise ValueError("last_year is before first_year")
    if isinstance(sources, int) and not 1 <= sources <= len(SOURCES):
        raise ValueError(f"sources must be 1..{len(SOURCES)}")
    folder = Path(folder)
    (folder / "subprograms").mkdir(parents=True, exist_ok=True)
    program, subs = _generate(spec)
    _dump(program, folder / "program.yaml", "program")
    for sub in subs:
        _dump(sub, folder / "subprograms" / f"sp{sub['code']}.yaml", f"subprogram {sub['code']}")
    return folder


# --- generation --------------------------------------------------------------


def _generate(spec: SyntheticSpec) -> tuple[dict, list[dict]]:
    rnd = random.Random(spec.seed)
    years = spec.years
    n = len(years)
    forms = Wording(spec.kind, spec.budget).forms
    sources = [tuple(text.format(**forms) for text in source) for source in spec.source_table]
    keys = [s[0] for s in sources]
    labels = {s[0]: s[1] for s in sources}
    code = spec.code or f"synthetic-{years[0]}-{years[-1]}-{len(sources)}s-{spec.seed}"
    lines = _Counter()
    period = f"{years[0]} - {years[-1]} годы"

    def amount(scale: int) -> Decimal:
        return (D(rnd.randint(0, scale * 10)) * TENTH).quantize(TENTH)

    def leaf_money(big: bool) -> dict[str, list[Decimal]]:
        money = {}
        for i, key in enumerate(keys):
            scale = (9_000_000 if big else 90_000) if i == 0 else (2_000_000 if big else 20_000) // i
            stop = rnd.randint(n // 2, n) if i else n                 # other sources end some year
            money[key] = [amount(scale) if (y < stop or not i) else D("0.0") for y in range(n)]
            if i == 0:
                money[key] = [v if v > 0 else D("1.0") for v in money[key]]
        return money

    subs = []
    for s in range(1, spec.subprograms + 1):
        subs.append(_subprogram(spec, rnd, s, keys, labels, lines, leaf_money, period, sources))
    tops = [sub.pop("_top") for sub in subs]
    totals = {k: _sum([t[k] for t in tops], n) for k in keys}
    program = _program(spec, rnd, code, keys, sources, totals, subs, lines, period, forms)
    return program, subs


def _sum(vectors: list[list[Decimal]], n: int) -> list[Decimal]:
    out = [D("0.0")] * n
    for v in vectors:
        out = [a + b for a, b in zip(out, v)]
    return out


def _lines_of(money: dict[str, list[Decimal]], keys: list[str], labels: dict[str, str], total_label: str):
    n = len(next(iter(money.values())))
    total = _sum([money[k] for k in keys], n)
    out = [{"source": "total", "label": total_label, "values": total, "total": sum(total, D("0.0"))}]
    for k in keys:
        out.append({"source": k, "label": labels[k], "values": money[k], "total": sum(money[k], D("0.0"))})
    return out


def _subprogram(spec, rnd, s, keys, labels, lines, leaf_money, period, sources) -> dict:
    years = spec.years
    n = len(years)
    DEPARTMENTS, TOPICS = spec.departments, spec.topics
    title = f"{TOPICS[(s - 1 + spec.seed) % len(TOPICS)]} (условная подпрограмма {s})"
    responsible = DEPARTMENTS[(s - 1) % len(DEPARTMENTS)]
    rows: list[_Row] = []
    activity_rows: list[tuple[_Row, list[_Row]]] = []
    acts = []
    by_executor: dict[str, list[dict]] = {}
    codes_names = [(k, sources[i][3]) for i, k in enumerate(keys)]
    for a in range(1, spec.activities + 1):
        act_code = f"{s}.{a}"
        name = f"{ACTIONS[(a + s + spec.seed) % len(ACTIONS)]} ({act_code})"
        two = a % 3 == 0 and len(DEPARTMENTS) > 1
        executors = [responsible] + ([DEPARTMENTS[(s + a) % len(DEPARTMENTS)]] if two else [])
        if two and executors[1] == responsible:
            executors[1] = DEPARTMENTS[(s + a + 1) % len(DEPARTMENTS)]
        children: list[_Row] = []
        if two:
            for e, who in enumerate(executors, 1):
                money = leaf_money(big=a == 1)
                children.append(_Row("", "activity_executor", money, executor=who, code=act_code))
                by_executor.setdefault(who, []).append(money)
        else:
            for i in range(1, spec.items + 1):
                money = leaf_money(big=a == 1)
                children.append(_Row("", "item", money, name=f"{act_code}.{i}. Направление расходов {i} "
                                     f"мероприятия {act_code}", executor=responsible, code=f"{act_code}.{i}"))
                by_executor.setdefault(responsible, []).append(money)
        money = {k: _sum([c.money[k] for c in children], n) for k in keys}
        row = _Row("", "activity", money, status=f"Основное мероприятие {act_code}", name=name,
                   executor="всего" if two else responsible, code=act_code)
        activity_rows.append((row, children))
        act_line = lines.next()
        codes = []
        for y in range(n):
            present = [str(i + 1) for i, k in enumerate(keys) if money[k][y] > 0]
            codes.append(", ".join(present) if present else "-")
        acts.append({
            "no": f"{a}.", "code": act_code, "name": f"Основное мероприятие {act_code} \"{name}\"",
            "executors": "; ".join(executors),
            "expected_result": f"выполнение мероприятия {act_code} в полном объеме",
            "ssr_tasks": f"4.{s}.{a}.", "project": None, "line": act_line,
            "indicators": [{"indicator": "1", "text": "значение показателя 1 подпрограммы", "source_codes": codes},
                           {"indicator": "2", "text": "значение показателя 2 подпрограммы", "source_codes": codes}],
        })
    top_money = {k: _sum([r.money[k] for r, _ in activity_rows], n) for k in keys}
    top = _Row("", "subprogram", top_money, status=f"Подпрограмма {s}", name=title, executor="итого")
    rows.append(top)
    for who, parts in by_executor.items():
        rows.append(_Row("", "executor", {k: _sum([p[k] for p in parts], n) for k in keys}, executor=who))
    for row, children in activity_rows:
        rows.append(row)
        rows.extend(children)
    number = sub_no = 0
    for row in rows:
        if row.kind in ("item", "activity_executor"):
            sub_no += 1
            row.no = f"{number}.{sub_no}"
        else:
            number += 1
            sub_no = 0
            row.no = f"{number}."
        row.line = lines.next(2 + len(keys))
    financing_rows = []
    for row in rows:
        item = {"no": row.no, "kind": row.kind}
        for key in ("status", "name", "executor", "code"):
            if getattr(row, key) is not None:
                item[key] = getattr(row, key)
        item["line"] = row.line
        item["sources"] = _lines_of(row.money, keys, labels,
                                    "всего, в том числе:" if row.kind == "activity" else "всего, в том числе")
        financing_rows.append(item)
    first_fin = rows[0].line - 1
    indicators = _indicators(s, lines, responsible)
    passport = None
    absent = []
    if s % 2 == 1:                       # odd subprograms print a passport, even ones lose it
        total = _sum([top_money[k] for k in keys], n)
        blocks = [{"key": "total", "label": f"общий объем финансового обеспечения подпрограммы {s}",
                   "total": sum(total, D("0.0")), "years": total}]
        blocks += [{"key": k, "label": sources[i][2], "total": sum(top_money[k], D("0.0")), "years": top_money[k]}
                   for i, k in enumerate(keys)]
        start = lines.next()
        fields = [("Ответственный исполнитель подпрограммы {s}", responsible),
                  ("Исполнители подпрограммы {s}", "; ".join(sorted(set(by_executor) - {responsible})) or "отсутствуют"),
                  ("Цель подпрограммы {s}", f"достижение цели условной подпрограммы {s}"),
                  ("Задачи подпрограммы {s}", f"решение задач условной подпрограммы {s}"),
                  ("Сроки реализации подпрограммы {s}", period),
                  ("Объемы финансового обеспечения подпрограммы {s}", "см. абзац, собранный из чисел"),
                  ("Ожидаемые конечные результаты реализации подпрограммы {s}", "достижение плановых значений")]
        passport = {"source": {"first_line": start, "last_line": start + 2 * len(fields)},
                    "fields": [{"label": label.format(s=s), "value": value, "line": lines.next(2)}
                               for label, value in fields],
                    "financing": blocks}
    else:
        absent.append({"table": "Паспорт", "title": f"Паспорт подпрограммы {s}", "line": lines.next()})
    others = [k for k in keys if k != "own"]
    forecast = None
    if others:
        start = lines.next()
        fc_rows = []
        vectors = [top_money[k] for k in others]
        total = _sum(vectors, n)
        fc_rows.append({"no": "1.", "label": "Всего", "line": lines.next(), "values": total,
                        "total": sum(total, D("0.0"))})
        for i, k in enumerate(others, 2):
            name = sources[keys.index(k)][3]
            fc_rows.append({"no": f"{i}.", "label": name[0].upper() + name[1:], "line": lines.next(),
                            "values": top_money[k], "total": sum(top_money[k], D("0.0"))})
        forecast = {"table": "Таблица 5", "source": {"first_line": start, "last_line": lines.next()},
                    "rows": fc_rows}
    sub = {
        "code": str(s), "title": title, "appendix": str(s),
        **({"passport": passport} if passport else {}),
        "indicator_values": _indicator_values(s, years, lines),
        "indicators": indicators,
        "activities": {"source": {"first_line": acts[0]["line"] - 1, "last_line": acts[-1]["line"] + 2},
                       "year_columns": years,
                       "footnote": "1 Индекс источника финансового обеспечения: "
                                   + ", ".join(f"{name} - {i}" for i, (_, name) in enumerate(codes_names, 1)) + ".",
                       "items": acts},
        "financing": {"source": {"first_line": first_fin, "last_line": rows[-1].line + 2}, "rows": financing_rows},
        **({"forecast": forecast} if forecast else {}),
        "absent": absent,
        "_top": top_money,
    }
    return sub


def _indicators(s: int, lines: _Counter, responsible: str) -> dict:
    start = lines.next()
    items = []
    for i, (direction, name) in enumerate((("increase", "Доля граждан, получивших услугу"),
                                           ("decrease", "Доля обращений, рассмотренных с нарушением срока")), 1):
        items.append({"code": str(i), "no": f"{i}.", "line": lines.next(), "name": f"{name} (подпрограмма {s})",
                      "unit": "%", "definition": f"{name[0].lower()}{name[1:]}",
                      "time_characteristic": "годовая, за период (год)", "formula": "P = A / B x 100%",
                      "variables": ["A - число случаев", "B - общее число случаев"], "collection_method": "3",
                      "responsible": responsible, "direction": direction})
    return {"source": {"first_line": start, "last_line": lines.next()},
            "footnote": "(1) - 3 - ведомственная отчетность.", "items": items}


def _indicator_values(s: int, years: list[int], lines: _Counter) -> dict:
    start = lines.next()
    columns = [{"year": y, "kind": "reported" if i == 0 else "plan", "label": str(y)} for i, y in enumerate(years)]
    goal_line = lines.next()
    rows = [{"indicator": "1", "name": f"Доля граждан, получивших услугу (подпрограмма {s})", "unit": "%",
             "line": lines.next(), "values": [D(60) + D(i) for i in range(len(years))]},
            {"indicator": "2", "name": f"Доля обращений, рассмотренных с нарушением срока (подпрограмма {s})",
             "unit": "%", "line": lines.next(),
             "values": [max(D("0.5"), D("12.0") - D("0.5") * i) for i in range(len(years))]}]
    return {"source": {"first_line": start, "last_line": lines.next()},
            "goal": f"Цель: достижение цели условной подпрограммы {s}", "goal_line": goal_line,
            "columns": columns,
            "tasks": [{"no": "1.", "text": f"Задача условной подпрограммы {s}", "line": rows[0]["line"] - 1,
                       "rows": rows}]}


def _program(spec, rnd, code, keys, sources, totals, subs, lines, period, forms) -> dict:
    years = spec.years
    n = len(years)
    whole = _sum([totals[k] for k in keys], n)
    blocks = [{"key": "total", "label": f"общий объем финансового обеспечения {forms['program_gen']}",
               "total": sum(whole, D("0.0")), "years": whole, "parts": list(keys)}]
    blocks += [{"key": k, "label": sources[i][2], "total": sum(totals[k], D("0.0")), "years": totals[k]}
               for i, k in enumerate(keys)]
    DEPARTMENTS, TOPICS = spec.departments, spec.topics
    executors = sorted({DEPARTMENTS[i % len(DEPARTMENTS)] for i in range(1, max(2, spec.subprograms))})
    program = {
        "code": code,
        "title": f"Условная {forms['program']} \"{TOPICS[spec.seed % len(TOPICS)]}\" на {period}",
        "years": years,
        "unit": "тыс. руб.",
        **({"kind": spec.kind} if spec.kind != "state" else {}),
        **({"budget": spec.budget} if spec.budget != "regional" else {}),
        "approved": {"act": f"Постановление {forms['approver']}", "date": _dt.date(years[0] - 1, 10, 1),
                     "number": str(100 + spec.seed)},
        "edition": {"date": _dt.date(years[0], 3, 1), "act_date": _dt.date(years[0], 2, 27),
                    "number": str(200 + spec.seed), "sample": True,
                    "note": "Синтетическая программа (условные данные), сгенерирована generator/synthetic.py"},
        "amendments": [{"date": _dt.date(years[0], 2, 27), "number": str(200 + spec.seed)}],
        "sources": [{"key": "total", "label": "всего, в том числе"}]
                   + [{"key": k, "label": sources[i][1], "index": str(i + 1)} for i, k in enumerate(keys)],
        "passport": {
            "source": {"first_line": 1, "last_line": 9},
            "responsible_executor": DEPARTMENTS[0],
            "executors": executors,
            "goal": "достижение цели условной программы",
            "tasks": [f"задача {i}" for i in range(1, spec.subprograms + 1)],
            "period_text": period,
            "expected_results": ["достижение плановых значений целевых показателей"],
            "financing": blocks,
        },
    }
    if spec.tax_expenditures:
        program["tax_expenditures"] = _tax(spec, rnd, lines, forms)
    return program


def _tax(spec, rnd, lines, forms) -> dict:
    years = spec.years
    start = lines.next()
    items = []
    for i in range(1, 3):
        payers = [D(rnd.randint(10, 999)) / 100 for _ in years]
        payers = [p.quantize(D("0.01")) for p in payers]
        amounts = [D(rnd.randint(1000, 99999)) * TENTH for _ in years]
        items.append({"no": f"{i}.", "line": lines.next(), "name": f"Льгота по налогу {i} (условная)",
                      "payers": payers, "amounts": amounts, "payers_total": "х",
                      "amount_total": sum(amounts, D("0.0"))})
    payers = [a + b for a, b in zip(items[0]["payers"], items[1]["payers"])]
    amounts = [a + b for a, b in zip(items[0]["amounts"], items[1]["amounts"])]
    return {"source": {"first_line": start, "last_line": lines.next(20)},
            "groups": [{"title": "Подпрограмма 1", "line": items[0]["line"] - 1, "items": items}],
            "total": {"label": f"Итого по {forms['program_dat']}", "line": lines.next(),
                      "payers": payers, "amounts": amounts, "payers_total": "х",
                      "amount_total": sum(amounts, D("0.0"))}}


# --- YAML ---------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):         # program data refuses YAML aliases: repeat every value
        return True


def _decimal(dumper: yaml.SafeDumper, value: Decimal):
    text = format(value, "f")
    return dumper.represent_scalar("tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int", text)


_Dumper.add_representer(Decimal, _decimal)


def _dump(data: dict, path: Path, what: str) -> None:
    head = (f"# SYNTHETIC PROGRAM, NOT REAL DATA ({what}): written by generator/synthetic.py.\n"
            "# Every figure is invented and summed bottom-up; `line:` numbers point at an imaginary act.\n")
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10 ** 6,
                     default_flow_style=None)
    path.write_text(head + text, encoding="utf-8")

"""The documents' program-dependent wording (issue 22): kind, budget level, unit, from ``templates/wording.yaml``.

A program says what it is in ``program.yaml``: ``kind`` (``state`` — "государственная программа",
``municipal`` — "муниципальная программа"), ``budget`` (``regional`` — "областного бюджета", ``local`` —
"местного бюджета", ``republic``, ``krai``, ``city``, ``district``) and ``unit`` ("тыс. руб."); it may
override any text with ``wording: {key: text}``. Builders never spell these words: they ask
``wording.of(program)("field_goal")`` → "Цель государственной программы".

Texts are ``str.format`` templates over the forms of the kind, budget and unit (see the comment at the top
of ``templates/wording.yaml``) and the names the caller passes. Raises ``KeyError`` for a text the catalogue
does not have (a programming error) and :class:`UnknownWording` for a kind, budget or unit it does not know.
"""

from __future__ import annotations

from functools import lru_cache

import yaml

from . import templates

FILE = "wording.yaml"
DEFAULT_KIND = "state"
DEFAULT_BUDGET = "regional"


class UnknownWording(ValueError):
    """A program names a kind, budget level or unit the wording catalogue does not know."""


@lru_cache(maxsize=4)
def catalogue(path: str | None = None) -> dict:
    """The parsed ``wording.yaml`` (the default templates' one unless ``path``), read by libyaml when PyYAML
    has it (the same values as ``yaml.safe_load``, about ten times sooner)."""
    text = open(path, encoding="utf-8").read() if path else templates.default().read(FILE)
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


class Wording:
    """The wording of one program: ``w(key, **names)`` → the text with every placeholder filled."""

    def __init__(self, kind: str = DEFAULT_KIND, budget: str = DEFAULT_BUDGET, unit: str = "тыс. руб.",
                 overrides: dict | None = None, book: dict | None = None):
        book = book or catalogue()
        forms: dict[str, str] = {}
        texts = dict(book.get("texts", {}))
        for part, key in (("kinds", kind), ("budgets", budget), ("units", unit)):
            table = book.get(part, {})
            if key not in table:
                raise UnknownWording(f"{part[:-1]} {key!r} is not in {FILE} (known: {', '.join(table)})")
            entry = dict(table[key])
            texts.update(entry.pop("texts", {}))         # a kind's (budget's) own wording of a text
            forms.update(entry)
        forms["Program"] = forms["program"][:1].upper() + forms["program"][1:]
        self.forms = forms
        self.texts = {**texts, **(overrides or {})}

    def __call__(self, key: str, **names) -> str:
        return self._fill(self.texts[key], names)

    def lines(self, key: str, **names) -> list[str]:
        """A text kept as several lines (an approval stamp): each line filled."""
        value = self.texts[key]
        return [self._fill(v, names) for v in (value if isinstance(value, list) else [value])]

    def _fill(self, template, names: dict) -> str:
        if isinstance(template, list):
            template = "\n".join(template)
        return template.format(**self.forms, **names)


def of(program) -> Wording:
    """The wording of a :class:`generator.data.schema.Program` (its ``kind``, ``budget``, ``unit``, ``wording``)."""
    return Wording(getattr(program, "kind", DEFAULT_KIND), getattr(program, "budget", DEFAULT_BUDGET),
                   getattr(program, "unit", "тыс. руб."), getattr(program, "wording", None))


def known() -> dict[str, list[str]]:
    """The kinds, budget levels and units the catalogue knows: {"kinds": [...], "budgets": [...], "units": [...]}."""
    book = catalogue()
    return {part: list(book.get(part, {})) for part in ("kinds", "budgets", "units")}

"""Finding documents and subsidies by the names the user knows: Russian titles as well as file names and ids.

``gosprog build --only паспорт`` and ``--subsidy лагер`` match without regard to case, the letter ё and
the kind of quotes or spaces; a miss is an error that lists what would match (:class:`NotFound`).
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from .i18n import _


class NotFound(ValueError):
    """Nothing (or, for a subsidy, more than one) matches what the user typed; the message (in the user's
    language) lists the choices."""


def fold(text: str | None) -> str:
    """Text for matching: case-folded, ё as е, quotes dropped, runs of spaces and dashes as one space."""
    text = (text or "").casefold().replace("ё", "е")
    text = re.sub(r"[\"'«»“”„]", "", text)
    return " ".join(re.sub(r"[\s\u00a0_-]+", " ", text).split())


def short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def matching(planned: Sequence, only: Iterable[str]) -> list:
    """The planned documents (items with ``name``, ``kind``, ``document.title``) that any of ``only`` names:
    a part of the file name, of the kind or of the Russian title; possibly none."""
    wanted = [fold(o) for o in only if fold(o)]
    return [p for p in planned
            if any(w in fold(p.name) or w in fold(p.kind) or w in fold(p.document.title) for w in wanted)]


def documents(planned: Sequence, only: Iterable[str]) -> list:
    """The planned documents (items with ``name``, ``kind``, ``document.title``) that any of ``only`` names:
    a part of the file name, of the kind or of the Russian title. Raises :class:`NotFound` listing every
    document (file name and title) when nothing matches."""
    chosen = matching(planned, only)
    if chosen:
        return chosen
    lines = [_("no document matches --only {text}; the documents are (file name: title):").format(
        text=" ".join(only))]
    lines += [f"  {p.name}: {short(p.document.title)}" for p in planned]
    raise NotFound("\n".join(lines))


def subsidy(subsidies: dict, text: str | None) -> list[str]:
    """The ids of the subsidies ``text`` names: all of them for ``None``; else the one whose id is ``text``, or
    whose name contains it. Raises :class:`NotFound` (listing the subsidies) when none or several match."""
    if text is None:
        return sorted(subsidies)
    if text in subsidies:
        return [text]
    wanted = fold(text)
    found = [sid for sid, s in sorted(subsidies.items()) if wanted and (wanted == fold(sid) or wanted in fold(s.name))]
    if not found:               # "лагеря" for "лагерей": every word's stem begins a word of the name
        found = [sid for sid, s in sorted(subsidies.items()) if _words_match(wanted, fold(s.name))]
    if len(found) == 1:
        return found
    head = (_("{text!r} matches several subsidies; give more of the name or the code:") if found else
            _("unknown subsidy {text!r}; give the code or a part of the name of one of these:")).format(text=text)
    listed = found or sorted(subsidies)
    raise NotFound("\n".join([head] + [f"  {sid}: {short(subsidies[sid].name)}" for sid in listed]))


def _words_match(wanted: str, name: str) -> bool:
    """Every word of ``wanted`` (cut to a Russian stem: the ending's last two letters dropped from words
    longer than four) begins a word of ``name``."""
    words = re.findall(r"\w+", name)
    stems = [w[:-2] if len(w) > 4 else w for w in re.findall(r"\w+", wanted)]
    return bool(stems) and all(any(word.startswith(stem) for word in words) for stem in stems)


def subsidies_help(data_dir) -> str:
    """The subsidies of a data folder as lines ``code: name`` for a command's help (read from
    ``subsidies/subsidies.yaml`` only; an empty text when it cannot be read)."""
    from pathlib import Path

    from .data import DataError
    from .data.yamlread import read
    try:
        value, _marks = read(Path(data_dir) / "subsidies" / "subsidies.yaml")
    except DataError:
        return ""
    items = value.get("items", []) if isinstance(value, dict) else []
    return "\n".join(f"{item.get('id')}: {short(str(item.get('name', '')), 80)}" for item in items
                     if isinstance(item, dict))

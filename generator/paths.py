"""File names from data: readable, ASCII, safe on Windows, never escaping the output folder."""

from __future__ import annotations

import re

_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
                      "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))
RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
MAX_LENGTH = 80


def transliterate(text: str) -> str:
    return "".join(_TRANSLIT.get(ch, _TRANSLIT.get(ch.lower(), ch).upper() if ch.lower() in _TRANSLIT else ch)
                   for ch in text)


def safe_name(text: str, fallback: str = "document") -> str:
    """``"Подпрограмма 1/x"`` → ``"podprogramma-1-x"``: letters, digits, '-', '_' and '.' only,
    no leading dots, no reserved Windows device names, at most 80 characters."""
    name = transliterate(text).lower()
    name = re.sub(r"[^a-z0-9._-]+", "-", name)
    name = re.sub(r"-{2,}", "-", name).strip("-.")
    while ".." in name:
        name = name.replace("..", ".")
    name = re.sub(r"(^|-)\.+(?=-|$)", r"\1", name)      # a segment of dots only ("-.-") is dropped
    name = re.sub(r"-{2,}", "-", name).strip("-.")
    if not name:
        name = fallback
    if name.split(".")[0] in RESERVED:
        name = "_" + name
    return name[:MAX_LENGTH].rstrip("-.") or fallback

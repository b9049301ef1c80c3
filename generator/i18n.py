"""Messages in the user's language: GNU gettext catalogs, Russian by default, English on request.

Why gettext: it is the standard of Python (``gettext`` in the standard library reads the compiled
catalogs) and of the translators' tools; Babel extracts the messages (``babel.cfg``) and compiles the
``.po`` files (``make`` does it; compiled ``.mo`` files are not kept in git).

Conventions
-----------
- The message ids in the code are English (``_("Checked {count} files")``); the Russian text lives in
  ``generator/locale/ru/LC_MESSAGES/gosprog.po``. English is therefore the catalog-less language.
- Russian is the product's default: its users are the staff of a Russian regional department.
  ``--lang en`` or an English locale (``LANG=en_US.UTF-8``) gives English; ``GOSPROG_LANG`` overrides
  the locale variables. A ``C``/``POSIX`` locale (typical of servers and CI) gives Russian.
- Rule IDs (``F01``), file names, format names and option names are the same in both languages.
- ``activate`` also makes the catalog the process's default gettext domain, so that click's own
  strings ("Usage:", "Options:", "Error:"), which click looks up with :func:`gettext.gettext`, are
  translated by the same catalog.
"""

from __future__ import annotations

import gettext as _gettext
import os
from pathlib import Path
from typing import Mapping

DOMAIN = "gosprog"
LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"
# Checked in this order; the first one set decides (GNU gettext's order, with the product's own first).
LOCALE_VARIABLES = ("GOSPROG_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_active: _gettext.NullTranslations | None = None
_language: str | None = None


def detect(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for: ``"en"`` or ``"ru"``.

    The first non-empty variable of :data:`LOCALE_VARIABLES` decides; its language part
    (``en`` of ``en_US.UTF-8``, the first of ``LANGUAGE=en:ru``) is used when it is one of
    :data:`LANGUAGES`, and anything else (``C``, ``POSIX``, ``de_DE``) gives the default, Russian.
    """
    environ = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        value = (environ.get(name) or "").strip()
        if value:
            code = value.split(":")[0].split(".")[0].split("@")[0].split("_")[0].lower()
            return code if code in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def activate(language: str | None = None) -> str:
    """Use ``language`` (``"ru"``/``"en"``; ``None``: :func:`detect`) for every later message.

    Returns the language chosen. Raises ``ValueError`` for a language gosprog has no catalog for.
    A missing compiled catalog is not an error: the messages are then shown in English (the ids).
    """
    global _active, _language
    language = detect() if language is None else language.strip().lower()
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose from {', '.join(LANGUAGES)}")
    _active = _gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)
    _language = language
    # click looks its strings up with gettext.gettext (the process's default domain, languages from
    # the environment): point that lookup at this catalog and language too.
    _gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    _gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = language
    return language


def language() -> str:
    """The active language (activating the detected one on first use)."""
    if _language is None:
        activate()
    return _language  # type: ignore[return-value]


def _translations() -> _gettext.NullTranslations:
    if _active is None:
        activate()
    return _active  # type: ignore[return-value]


def _(message: str) -> str:
    """``message`` (an English id) in the active language."""
    return _translations().gettext(message)


gettext = _


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted message for ``n`` (Russian has three: 1 файл, 2 файла, 5 файлов)."""
    return _translations().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks ``message`` for extraction without translating it now (module-level tables of texts);
    translate it with :func:`_` where it is shown."""
    return message

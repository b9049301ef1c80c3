"""The portal's messages come from the message catalog: Russian by default (word for word the texts the code
had before), English with the English interface; the language is the one active when a page is made, and
``gosprog serve`` keeps the portal Russian on a server whose locale is English. No Russian message text is left
in the portal's code except the audit log's records (stored data, see ALLOWED)."""

from __future__ import annotations

import ast
import datetime as dt
import html as _html
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from click.testing import CliRunner

from generator import i18n
from .portalkit import DATA_DIR, PASSWORDS, ROOT, camps_values, log_in, make_portal, token_of, type_into, upload

PO = ROOT / "generator" / "locale" / "ru" / "LC_MESSAGES" / "gosprog.po"
PORTAL_MODULES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "generator" / "portal").glob("*.py")) + \
    ["generator/cli/portal.py"]


@pytest.fixture
def language():
    """Switch the interface language inside a test; the previous one comes back afterwards."""
    previous = i18n.language()
    yield i18n.activate
    i18n.activate(previous)


@pytest.fixture
def sqlite_portal(tmp_path, program_data):
    made = make_portal(tmp_path, f"sqlite:///{tmp_path / 'portal.sqlite'}", program_data)
    yield made
    made.app.state.engine.dispose()


def visible(page: str) -> str:
    """The text a reader sees: tags and the style sheet removed, entities decoded, white space collapsed."""
    page = re.sub(r"(?is)<style[^>]*>.*?</style>", "", page)
    return " ".join(_html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


# The error pages' texts as the portal showed them before the catalog (copied from the old STATUS_TEXT).
RUSSIAN_STATUS_TEXT = {
    400: ("Неверный запрос", "Запрос не удалось обработать. Вернитесь на предыдущую страницу и повторите."),
    403: ("Доступ запрещен", "У вашей учетной записи нет доступа к этой странице или действию."),
    404: ("Страница не найдена", "Такой страницы нет. Проверьте адрес или вернитесь на главную страницу."),
    405: ("Действие недоступно", "Это действие нельзя выполнить таким способом."),
    413: ("Файл слишком большой", "Размер файла превышает допустимый. Форма отчета занимает не более "
                                  "нескольких сотен килобайт: проверьте, что выбран правильный файл."),
    429: ("Слишком много попыток входа", "Вход временно заблокирован после нескольких неудачных попыток."),
    # + «Повторите через 15 минут или обратитесь в департамент.», with the portal's own window (below)
    500: ("Внутренняя ошибка", "На сервере произошла ошибка. Повторите позже; если ошибка повторяется, "
                               "сообщите в департамент время и адрес страницы."),
    503: ("Сервис недоступен", "Сервис временно недоступен. Повторите позже."),
}


def test_error_page_texts_are_the_russian_of_before_and_english_on_request(language):
    from generator.portal.app import STATUS_TEXT, status_text
    language("ru")
    assert {code: status_text(code) for code in STATUS_TEXT} == RUSSIAN_STATUS_TEXT
    assert status_text(418) == ("Ошибка 418", "")
    language("en")                         # translated where the page is made, not frozen at import
    assert status_text(404) == ("Page not found",
                                "There is no such page. Check the address or go back to the home page.")
    assert status_text(429)[0] == "Too many login attempts" and status_text(418) == ("Error 418", "")
    assert STATUS_TEXT[404][0] == "Page not found"          # the table holds the message ids


def test_pages_speak_the_active_language(sqlite_portal, language):
    """The same portal, the same requests: Russian pages by default, the code's messages in English once the
    English interface is active (the templates' own text stays Russian)."""
    client = sqlite_portal.client()

    def pages() -> dict[str, str]:
        login = client.get("/login")
        failed = client.post("/login", data={"login": "mo-babaevsky", "password": "wrong-password",
                                             "csrf_token": token_of(login.text)})
        forged = client.post("/login", data={"login": "mo-babaevsky", "password": "x", "csrf_token": "forged"})
        assert (failed.status_code, forged.status_code) == (401, 403)
        return {"404": visible(client.get("/no/such/page").text), "405": visible(client.get("/logout").text),
                "login": visible(failed.text), "csrf": visible(forged.text)}

    language("ru")
    ru = pages()
    assert "Страница не найдена Такой страницы нет. Проверьте адрес или вернитесь на главную страницу. " \
           "Код ошибки: 404" in ru["404"]
    assert "Действие недоступно Это действие нельзя выполнить таким способом. Код ошибки: 405" in ru["405"]
    assert "Войдите с учетной записью, выданной департаментом. Неверное имя пользователя или пароль. " \
           "Имя пользователя" in ru["login"]
    assert "Доступ запрещен Форма устарела или открыта в другом окне. Обновите страницу и повторите действие. " \
           "Код ошибки: 403" in ru["csrf"]
    language("en")
    en = pages()
    assert "Page not found There is no such page. Check the address or go back to the home page. " \
           "Код ошибки: 404" in en["404"]
    assert "Action not available This action cannot be done this way." in en["405"]
    assert "Wrong user name or password." in en["login"] and "Неверное имя" not in en["login"]
    assert "Access denied The form is out of date or open in another window. Reload the page and repeat the " \
           "action." in en["csrf"]


@pytest.mark.parametrize("path", ["/mo/babaevsky/submissions/xyz", "/mo/babaevsky/forms/camps/abc/1",
                                  "/department/camps/2021/first"])
def test_an_address_with_a_word_for_a_number_is_the_russian_404_page(sqlite_portal, path):
    """FastAPI answered these with a JSON list of English validation errors (422)."""
    client = sqlite_portal.logged_in("department")
    response = client.get(path)
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "Страница не найдена Такой страницы нет. Проверьте адрес или вернитесь на главную страницу. " \
           "Код ошибки: 404" in visible(response.text)


def test_upload_messages_and_statuses_follow_the_language(tmp_path, program_data, language):
    """A form sent a day after its deadline (camps: 10 April): the municipality's status, the department's table,
    an upload without a file and an oversize one, in Russian and then in English."""
    portal = make_portal(tmp_path, f"sqlite:///{tmp_path / 'late.sqlite'}", program_data,
                         today=dt.date(2021, 4, 11), upload_limit=200 * 1024)
    subsidies = program_data[1]
    try:
        mo = portal.logged_in("mo-babaevsky")
        form = mo.get("/mo/babaevsky/forms/camps/2021/1").content
        filled = type_into(form, subsidies.form_of("camps"), camps_values(subsidies.agreement("camps", "babaevsky",
                                                                                                2021)))
        assert "Принят" in upload(mo, "babaevsky", filled).text
        department = portal.logged_in("department")
        url = "/mo/babaevsky/submit/camps/2021/1"

        def texts() -> dict[str, str]:
            token = token_of(mo.get(url).text)
            empty = mo.post(url, data={"csrf_token": token}, files={"file": ("", b"", "application/octet-stream")})
            big = upload(mo, "babaevsky", b"x" * (250 * 1024))
            assert (empty.status_code, big.status_code) == (400, 413)
            return {"home": visible(mo.get("/mo/babaevsky").text),
                    "table": visible(department.get("/department/camps/2021/1").text),
                    "empty": visible(empty.text), "big": visible(big.text)}

        language("ru")
        ru = texts()
        assert "до 10.04.2021 принят с опозданием (1 дн.) ( N 1 )" in ru["home"]
        assert "Бабаевский муниципальный район принят с опозданием (1 дн.) N 1 , версия 1" in ru["table"]
        assert "Белозерский муниципальный район не представлен 0" in ru["table"]
        assert "Выберите файл формы (.xlsx). Заполненная форма (.xlsx, не более 0,2 МБ)" in ru["empty"]
        assert ("Файл слишком большой Размер файла превышает допустимый. Форма отчета занимает не более нескольких "
                "сотен килобайт: проверьте, что выбран правильный файл. Допускается не более 204800 байт. "
                "Код ошибки: 413") in ru["big"]
        language("en")
        en = texts()
        assert "до 10.04.2021 accepted, 1 day late ( N 1 )" in en["home"]
        assert "Белозерский муниципальный район not submitted 0" in en["table"]
        assert "Choose the form's file (.xlsx)." in en["empty"]
        assert ("File too large The file is larger than allowed. A report form takes at most a few hundred "
                "kilobytes: check that the right file is chosen. At most 204800 bytes are allowed.") in en["big"]
    finally:
        portal.app.state.engine.dispose()


def test_ngettext_plural_of_the_late_status(language):
    from generator.i18n import ngettext
    late = [("accepted, {days} day late", "accepted, {days} days late", n) for n in (1, 3, 10)]
    language("ru")
    assert [ngettext(*m).format(days=m[2]) for m in late] == ["принят с опозданием (1 дн.)",
                                                              "принят с опозданием (3 дн.)",
                                                              "принят с опозданием (10 дн.)"]
    language("en")
    assert [ngettext(*m).format(days=m[2]) for m in late] == ["accepted, 1 day late", "accepted, 3 days late",
                                                              "accepted, 10 days late"]


def test_health_answer_follows_the_language(sqlite_portal, language):
    client = sqlite_portal.client()
    engine = sqlite_portal.app.state.engine

    def broken(*args, **kwargs):
        raise RuntimeError("the database is down")

    language("ru")
    assert client.get("/health").json() == {"status": "ok", "database": "ok"}
    engine.connect = broken
    try:
        down = client.get("/health")
        assert down.status_code == 503 and down.json() == {"status": "error", "database": "недоступна"}
        language("en")
        assert client.get("/health").json() == {"status": "error", "database": "unavailable"}
    finally:
        del engine.connect


def test_settings_and_account_refusals_follow_the_language(tmp_path, language):
    from generator.portal import accounts
    from generator.portal.settings import SettingsError, from_env

    def refusals() -> list[str]:
        said = []
        for env in ({"GOSPROG_TODAY": "5 April"}, {"GOSPROG_UPLOAD_LIMIT": "10"},
                    {"GOSPROG_DATABASE_URL": "mysql://u@h/db"}, {"GOSPROG_SESSION_KEY": "short"}):
            with pytest.raises(SettingsError) as refused:
                from_env(DATA_DIR, env={"GOSPROG_PORTAL_DIR": str(tmp_path / "p"), **env})
            said.append(str(refused.value))
        for password in ("short", "Otdel-password-1"):
            with pytest.raises(accounts.AccountError) as refused:
                accounts.check_password_rules(password, "otdel")
            said.append(str(refused.value))
        return said

    language("ru")
    assert refusals() == [
        "GOSPROG_TODAY='5 April': укажите дату как ГГГГ-ММ-ДД",
        "GOSPROG_UPLOAD_LIMIT='10': предел меньше 1 КБ, форма в него не поместится",
        "GOSPROG_DATABASE_URL: поддерживаются sqlite:///ФАЙЛ и postgresql+psycopg://…, а указано mysql:…",
        "GOSPROG_SESSION_KEY слишком короткий: нужно не менее 32 символов",
        "пароль короче 10 символов", "пароль не должен содержать имя пользователя"]
    language("en")
    assert refusals() == [
        "GOSPROG_TODAY='5 April': give the date as YYYY-MM-DD",
        "GOSPROG_UPLOAD_LIMIT='10': the limit is under 1 KB, a form does not fit in it",
        "GOSPROG_DATABASE_URL: sqlite:///FILE and postgresql+psycopg://… are supported, but mysql:… is given",
        "GOSPROG_SESSION_KEY is too short: at least 32 characters are needed",
        "the password is shorter than 10 characters", "the password must not contain the user name"]


@pytest.mark.parametrize("env, explicit, expected", [
    ({}, None, "ru"), ({"LANG": "en_US.UTF-8", "LANGUAGE": "en", "LC_ALL": "en_GB.UTF-8"}, None, "ru"),
    ({"GOSPROG_LANG": "en"}, None, "en"), ({"GOSPROG_LANG": "de"}, None, "ru"), ({"GOSPROG_LANG": "en"}, "ru", "ru"),
    ({"LANG": "en_US.UTF-8"}, "en", "en"),
    # read as the command line reads it (the tester: en_US.UTF-8 gave an English command line, a Russian portal)
    ({"GOSPROG_LANG": "en_US.UTF-8"}, None, "en"), ({"GOSPROG_LANG": "en:ru"}, None, "en"),
    ({"GOSPROG_LANG": "ru_RU.UTF-8", "LANG": "en_US.UTF-8"}, None, "ru"),
])
def test_portal_language_ignores_the_servers_locale(env, explicit, expected):
    from generator.portal.settings import language
    assert language(env, explicit) == expected


@pytest.mark.parametrize("args, console, pages", [([], "en", "ru"), (["--lang", "en"], "en", "en"),
                                                  (["--lang", "ru"], "ru", "ru")])
def test_serve_keeps_the_portal_russian_on_an_english_server(tmp_path, monkeypatch, language, args, console, pages):
    """``gosprog serve`` on a server whose locale is English (LANG=en_US.UTF-8: the command line speaks English)
    serves Russian pages; ``--lang en`` asks for English messages explicitly."""
    import uvicorn
    from fastapi.testclient import TestClient
    from generator.cli import main
    served = {}

    def run(app, **options):
        served["language"] = i18n.language()
        with TestClient(app) as client:
            served["404"] = visible(client.get("/no/such/page").text)
        app.state.engine.dispose()

    monkeypatch.setattr(uvicorn, "run", run)
    language("en")                      # what the command line chose at start from LANG=en_US.UTF-8
    env = {"LANG": "en_US.UTF-8", "GOSPROG_LANG": None, "LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None,
           "GOSPROG_PORTAL_DIR": str(tmp_path / "portal"), "GOSPROG_DATABASE_URL": None, "GOSPROG_SESSION_KEY": None}
    result = CliRunner().invoke(main, [*args, "serve", str(DATA_DIR)], env=env)
    assert result.exit_code == 0, result.output
    assert ("Portal: http://127.0.0.1:8000/" if console == "en" else "Портал: http://127.0.0.1:8000/") \
        in result.output
    assert served["language"] == pages
    expected = {"ru": "Страница не найдена Такой страницы нет.", "en": "Page not found There is no such page."}
    assert expected[pages] in served["404"]


# --- no Russian message text in the portal's code ------------------------------------------------------------

#: Russian string literals deliberately left in the code, each with its reason. The audit log's result texts are
#: stored data that the department reads back: translated per request, one log would mix the languages.
ALLOWED = {
    ("generator/portal/app.py", "отказ в доступе: "): "audit record (access denied)",
    ("generator/portal/app.py", "отказ: нет или неверный CSRF-токен"): "audit record (CSRF refusal)",
    ("generator/portal/app.py", "успешно"): "audit record (logout)",
    ("generator/portal/app.py", "выдана форма"): "audit record (form download)",
    ("generator/portal/app.py", "отказ: превышен размер файла"): "audit record (oversize upload)",
    ("generator/portal/app.py", "принят"): "audit record (upload result)",
    ("generator/portal/app.py", "отклонен"): "audit record (upload result)",
    ("generator/portal/app.py", "отказ: форма другого МО"): "audit record (upload result)",
    ("generator/portal/app.py", "повторно тот же файл"): "audit record (upload result)",
    ("generator/portal/app.py", "отказ: файл не прочитан"): "audit record (upload result)",
    ("generator/portal/app.py", ", версия "): "audit record (upload result)",
    ("generator/portal/app.py", "выдан исходный файл"): "audit record (file download)",
    ("generator/portal/app.py", "выдан протокол "): "audit record (protocol download)",
    ("generator/portal/app.py", "выдан сводный отчет "): "audit record (report download)",
    ("generator/portal/accounts.py", "отказ: слишком много неудачных попыток"): "audit record (login)",
    ("generator/portal/accounts.py", "отказ: неверное имя или пароль"): "audit record (login)",
    ("generator/portal/accounts.py", "успешно"): "audit record (login)",
    ("generator/cli/portal.py", "создан: "): "audit record (gosprog users add)",
    ("generator/cli/portal.py", "пароль изменен"): "audit record (gosprog users passwd)",
}

CYRILLIC = re.compile("[А-Яа-яЁё]")


def russian_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant with Cyrillic letters (the literal parts of f-strings included),
    except docstrings; comments are not constants."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return sorted((node.lineno, node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                  and CYRILLIC.search(node.value))


def test_the_scanner_finds_russian_literals_and_skips_docstrings_and_comments():
    source = ('"""Модуль."""\n'
              'def f(x):\n    """Функция."""\n    # комментарий\n'
              '    raise ValueError(f"пароль короче {x} символов")\n'
              'TABLE = {1: ("Ошибка", "ok")}\n')
    assert russian_literals(source) == [(5, " символов"), (5, "пароль короче "), (6, "Ошибка")]


@pytest.mark.parametrize("module", PORTAL_MODULES)
def test_no_russian_message_text_left_in_the_portal_code(module):
    found = russian_literals((ROOT / module).read_text(encoding="utf-8"))
    left = [(line, text) for line, text in found if (module, text) not in ALLOWED]
    assert not left, f"{module}: Russian text outside the catalog (wrap it in _() and add it to gosprog.po, " \
                     f"or allow it in ALLOWED with its reason): {left}"


def test_every_allowed_literal_is_still_there():
    """An allow-list entry whose literal is gone would let a new message with the same words slip through."""
    present = {(module, text) for module in PORTAL_MODULES
               for _line, text in russian_literals((ROOT / module).read_text(encoding="utf-8"))}
    assert set(ALLOWED) <= present, sorted(set(ALLOWED) - present)


@pytest.mark.parametrize("module", PORTAL_MODULES)
def test_every_portal_message_has_its_russian_entry(module):
    """A message wrapped in the portal's code but missing from the catalog would show in English to Russian users;
    a placeholder spelt differently in the translation would raise KeyError where the page is made."""
    with PO.open("rb") as f:
        catalog = read_po(f)
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    for line, message, _comments, _context in extract_from_file("python", ROOT / module, keywords=keywords):
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key)
        assert entry is not None and entry.string, f"{module}:{line}: no Russian entry for {key!r}"
        wanted = set(re.findall(r"\{(\w*)[^{}]*\}", message[-1] if isinstance(message, tuple) else message))
        for form in entry.string if isinstance(entry.string, tuple) else (entry.string,):
            assert set(re.findall(r"\{(\w*)[^{}]*\}", form)) == wanted, f"{module}:{line}: {key!r} -> {form!r}"

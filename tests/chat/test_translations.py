"""Spanish and Brazilian Portuguese: the site answers in the browser's language, and no string is left untranslated."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import to_locale

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
PO_FILES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


@pytest.mark.parametrize(
    ("accept_language", "html_lang", "log_in", "sign_up"),
    [
        ("es", "es", "Iniciar sesión", "Registrarse"),
        ("es-ES,es;q=0.9,en;q=0.5", "es", "Iniciar sesión", "Registrarse"),
        ("pt-BR", "pt-br", "Entrar", "Cadastrar-se"),
        ("pt-BR,pt;q=0.9,en;q=0.5", "pt-br", "Entrar", "Cadastrar-se"),
        ("en", "en", "Log in", "Sign up"),
    ],
)
def test_login_page_speaks_the_browser_language(client, db, accept_language, html_lang, log_in, sign_up):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=accept_language)

    assert response.status_code == 200
    assert response["Content-Language"] == html_lang
    page = response.content.decode()
    assert f'<html lang="{html_lang}">' in page
    assert f'<button type="submit" class="primary">{log_in}</button>' in page
    assert f">{sign_up}</a>" in page
    if html_lang != "en":
        assert ">Log in<" not in page
        assert ">Sign up<" not in page


def _entries(po: Path):
    """(flags, msgid, msgid_plural, [msgstr...]) per live entry; obsolete (#~) entries are skipped."""
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.strip().splitlines() if not line.startswith("#~")]
        flags, fields, current = set(), {}, None
        for line in lines:
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#") or not line:
                continue
            elif line.startswith('"'):
                fields[current] += _unquote(line)
            else:
                current, _, value = line.partition(" ")
                fields[current] = _unquote(value)
        if "msgid" in fields:
            msgstrs = [value for key, value in fields.items() if key.startswith("msgstr")]
            yield flags, fields["msgid"], fields.get("msgid_plural"), msgstrs


def _unquote(quoted: str) -> str:
    return quoted.strip()[1:-1].replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def test_every_site_language_has_a_catalog():
    for code, _name in settings.LANGUAGES:
        if code != settings.LANGUAGE_CODE:
            catalog = LOCALE_DIR / to_locale(code) / "LC_MESSAGES" / "django.po"
            assert catalog in PO_FILES, f"no {catalog}: run makemessages -l {to_locale(code)}"


@pytest.mark.parametrize("po", PO_FILES, ids=lambda po: po.parts[-3])
def test_every_message_is_translated(po):
    """Run makemessages, translate, compilemessages: a new string without a translation fails here."""
    untranslated, fuzzy, wrong_placeholders = [], [], []
    for flags, msgid, msgid_plural, msgstrs in _entries(po):
        if msgid == "":
            assert "fuzzy" not in flags, "the header is fuzzy: msgfmt would ignore its charset and plural forms"
            continue
        if not msgstrs or any(not msgstr for msgstr in msgstrs):
            untranslated.append(msgid)
        if "fuzzy" in flags:
            fuzzy.append(msgid)
        # A plural form may leave the count out ("one message"), never add a name the code does not pass.
        expected = set(PLACEHOLDER.findall(msgid_plural or msgid))
        for msgstr in msgstrs:
            found = set(PLACEHOLDER.findall(msgstr))
            if msgstr and (found != expected if not msgid_plural else not found <= expected):
                wrong_placeholders.append(msgid)
    assert untranslated == [], f"{po}: untranslated"
    assert fuzzy == [], f"{po}: fuzzy (compilemessages leaves these out)"
    assert wrong_placeholders == [], f"{po}: placeholders differ from the msgid"


@pytest.mark.parametrize("po", PO_FILES, ids=lambda po: po.parts[-3])
def test_compiled_catalog_matches_the_po_file(po):
    """The .mo is committed (the site runs without gettext installed): it must be compiled from this .po."""
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} missing: run manage.py compilemessages"
    with mo.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    stale = []
    for _flags, msgid, msgid_plural, msgstrs in _entries(po):
        if msgid == "":
            continue
        compiled = catalog.ngettext(msgid, msgid_plural, 1) if msgid_plural else catalog.gettext(msgid)
        if compiled != msgstrs[0]:
            stale.append(msgid)
    assert stale == [], f"{mo} is older than {po}: run manage.py compilemessages"


def test_catalogs_hold_every_marked_string(tmp_path):
    """makemessages run on a copy of the source finds no string the catalogs lack. It must be run from the project's
    root (templates/ sits beside chatsite/); run from chatsite/ it silently drops every template string."""
    import shutil
    import subprocess
    import sys

    root = Path(settings.BASE_DIR)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for part in ("chatsite", "templates"):
        shutil.copytree(root / part, tmp_path / part, ignore=ignore)
    shutil.copy(root / "manage.py", tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", *(f"-l{to_locale(c)}" for c, _ in settings.LANGUAGES[1:])],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={**__import__("os").environ, "CHATSITE_VAR_DIR": str(tmp_path / "var")},
    )
    for po in PO_FILES:
        fresh = tmp_path / po.relative_to(root)
        kept = {msgid for _f, msgid, _p, _s in _entries(po)}
        missing = sorted({msgid for _f, msgid, _p, _s in _entries(fresh)} - kept)
        assert missing == [], f"{po}: run `manage.py makemessages` from the project's root and translate these"

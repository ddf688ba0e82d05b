"""Every string the reader and the CLI show, in German or English: gettext catalogs (made and
checked with Babel, the Python standard for this) and the language choice.

The language is `[ui] language` from config.toml, else the locale (`LANGUAGE`, `LC_ALL`,
`LC_MESSAGES`, `LANG`, the first one set, as gettext reads them), else English. Source strings
are English; `locale/<lang>/LC_MESSAGES/newsreader.po` are the catalogs (English too, so both
are complete), compiled to `.mo` beside them (`python -m newsreader.i18n compile`; a test checks
they are current and that every marked string is in both).

`_("...")` translates now; `N_("...")` marks a string for extraction and translates later
(`_(value)` where it is shown), for tables built at import time such as the key bindings.
"""

from __future__ import annotations

import gettext
import os
import re
import sys
from pathlib import Path

DOMAIN = "newsreader"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "de")
DEFAULT = "en"

_current = DEFAULT
_translation: gettext.NullTranslations = gettext.NullTranslations()


def language_from_env(environ: dict[str, str] | os._Environ[str] | None = None) -> str:
    """The first supported language the locale names, else English."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if not value:
            continue
        for part in value.split(":"):  # LANGUAGE may list several: "de:en"
            code = part.split(".", 1)[0].split("@", 1)[0].split("_", 1)[0].lower()
            if code in LANGUAGES:
                return code
            if code in ("c", "posix"):
                return DEFAULT
        if name != "LANGUAGE":
            return DEFAULT  # the first one set decides, as for gettext
    return DEFAULT


def resolve_language(configured: str = "") -> str:
    """`[ui] language` if it names a supported language, else the locale's."""
    code = configured.strip().lower().replace("-", "_").split("_", 1)[0]
    return code if code in LANGUAGES else language_from_env()


def set_language(code: str) -> str:
    """Switch every later `_()` to `code` (unsupported: English); returns the one in use."""
    global _current, _translation
    code = code if code in LANGUAGES else DEFAULT
    try:
        _translation = gettext.translation(DOMAIN, LOCALE_DIR, languages=[code])
    except OSError:  # a missing catalog: the English source strings
        _translation = gettext.NullTranslations()
    _current = code
    return code


def language() -> str:
    return _current


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark, translate later"
    return message


# ------------------------------------------------------------------ catalogs (development)


def compile_catalogs() -> list[Path]:
    """Compile every .po to its .mo (Babel); the paths written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parts[-3])
        mo = po.with_suffix(".mo")
        with mo.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo)
    return written


Message = str | tuple[str, str]  # a plural message is (singular, plural)


def extract_messages() -> dict[Message, list[tuple[str, int]]]:
    """Every marked string in the package: message -> where (Babel's Python extractor)."""
    from babel.messages.extract import extract_from_dir

    found: dict[Message, list[tuple[str, int]]] = {}
    root = Path(__file__).resolve().parent
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(root), method_map=[("**.py", "python")], keywords=keywords
    ):
        key: Message = (message[0], message[1]) if isinstance(message, tuple) else message
        if key:
            found.setdefault(key, []).append((filename, lineno))
    return found


def read_catalog(code: str) -> dict[Message, str | tuple[str, ...]]:
    """A language's .po as message -> translation (plural: one string per form)."""
    from babel.messages.pofile import read_po

    po = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    out: dict[Message, str | tuple[str, ...]] = {}
    with po.open("rb") as handle:
        for message in read_po(handle, locale=code):
            if not message.id:
                continue
            if isinstance(message.id, (tuple, list)):
                strings = message.string if isinstance(message.string, (tuple, list)) else ()
                out[(str(message.id[0]), str(message.id[1]))] = tuple(str(x or "") for x in strings)
            else:
                out[str(message.id)] = str(message.string or "")
    return out


def update_catalogs() -> list[Path]:
    """Every language's .po with exactly the marked strings: new ones added (English: the
    source string; German: empty until translated), gone ones dropped, translations kept."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    found = extract_messages()
    written = []
    for code in LANGUAGES:
        po = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        old = read_catalog(code) if po.exists() else {}
        catalog = Catalog(locale=code, domain=DOMAIN, project="newsreader", fuzzy=False)
        for key in sorted(found, key=lambda k: k if isinstance(k, str) else k[0]):
            where = [(Path(f).as_posix(), n) for f, n in found[key][:3]]
            english: str | tuple[str, ...] = key if isinstance(key, str) else tuple(key)
            empty: str | tuple[str, ...] = "" if isinstance(key, str) else ("", "")
            string = old.get(key) or (english if code == DEFAULT else empty)
            catalog.add(key, string, locations=where)
        po.parent.mkdir(parents=True, exist_ok=True)
        with po.open("wb") as handle:
            write_po(handle, catalog, width=100, sort_output=True)
        written.append(po)
    return written


if __name__ == "__main__":  # python -m newsreader.i18n update|compile
    if sys.argv[1:] == ["compile"]:
        for path in compile_catalogs():
            print(path)
    elif sys.argv[1:] == ["update"]:
        for path in update_catalogs():
            print(path)
    else:
        print("usage: python -m newsreader.i18n update|compile", file=sys.stderr)
        sys.exit(2)


# ------------------------------------------------------------------ messages made in English


_MESSAGES: dict[str, tuple[dict[str, str], list[tuple[re.Pattern[str], str]]]] = {}
_FIELD = re.compile(r"\{(\w*)(?::[^{}]*)?\}")


def _patterns(code: str) -> tuple[dict[str, str], list[tuple[re.Pattern[str], str]]]:
    """The catalog's messages as exact strings and as patterns that recover their fields."""
    cached = _MESSAGES.get(code)
    if cached is not None:
        return cached
    exact: dict[str, str] = {}
    patterns: list[tuple[int, re.Pattern[str], str]] = []
    catalog = getattr(_translation, "_catalog", {})
    for key, value in catalog.items():
        if not isinstance(key, str) or not key or not isinstance(value, str) or key == value:
            continue
        if "{" not in key:
            exact[key] = value
            continue
        literal = _FIELD.sub("", key)
        if sum(ch.isalpha() for ch in literal) < 4:
            continue  # "{title}: {error}" would match anything
        names: list[str] = []
        parts: list[str] = []
        pos = 0
        for field in _FIELD.finditer(key):
            parts.append(re.escape(key[pos : field.start()]))
            name = field.group(1) or f"_{len(names)}"
            if name in names:
                parts.append(f"(?P={name})")
            else:
                names.append(name)
                parts.append(f"(?P<{name}>.+?)")
            pos = field.end()
        parts.append(re.escape(key[pos:]))
        try:
            pattern = re.compile("".join(parts), re.S)
        except re.error:
            continue
        plain = re.sub(r"\{(\w+):[^{}]*\}", r"{\1}", value)  # fields come back as text
        patterns.append((len(literal), pattern, plain))
    patterns.sort(key=lambda item: -item[0])  # the most specific first
    result = (exact, [(p, v) for _n, p, v in patterns])
    _MESSAGES[code] = result
    return result


def translate_message(text: str) -> str:
    """A message the engine made (and may have stored) in English, in the reader's language:
    matched against the catalog's templates, its fields kept as they are; parts joined with
    "; " are translated one by one; anything unknown stays as it is."""
    if _current == DEFAULT or not text:
        return text
    exact, patterns = _patterns(_current)
    found = exact.get(text)
    if found is not None:
        return found
    for pattern, template in patterns:
        match = pattern.fullmatch(text)
        if match is not None:
            fields = {k: translate_message(v) for k, v in match.groupdict().items()}
            try:
                return template.format(**fields)
            except (KeyError, IndexError, ValueError):
                return text
    if "; " in text:
        return "; ".join(translate_message(part) for part in text.split("; "))
    return text

"""The engine never imports textual: checked on the import graph of a fresh interpreter."""

import ast
import subprocess
import sys
from pathlib import Path

import newsreader

PACKAGE = Path(newsreader.__file__).parent
# UI modules (added with the TUI) may import textual; everything else is engine.
UI_PREFIXES = ("app", "ui", "widgets", "screens")


def engine_modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        if rel.parts[0].startswith(UI_PREFIXES) or rel.name == "__main__":
            continue
        names.append(".".join(("newsreader", *rel.parts)).removesuffix(".__init__"))
    return names


def test_no_engine_source_mentions_textual_imports():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0].startswith(UI_PREFIXES):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{rel}: {n}" for n in names if n.split(".")[0] in ("textual", "rich")]
    assert offenders == []


def test_importing_every_engine_module_loads_no_textual():
    modules = engine_modules()
    assert "newsreader.store" in modules and "newsreader.fetch" in modules
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""

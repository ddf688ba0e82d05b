"""The engine never imports textual: checked on the import graph of a fresh interpreter."""

import ast
import subprocess
import sys
from pathlib import Path

import newsreader

PACKAGE = Path(newsreader.__file__).parent
# UI modules (added with the TUI) may import textual; everything else is engine.
UI_PREFIXES = ("ui",)


def engine_modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        if rel.parts[0].startswith(UI_PREFIXES) or rel.name == "__main__":
            continue
        names.append(".".join(("newsreader", *rel.parts)).removesuffix(".__init__"))
    return names


def imported_names(path: Path) -> list[str]:
    """The modules `path` imports (absolute imports; a relative one stays inside its package)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


def loaded_by_importing(modules: list[str]) -> list[str]:
    """Every module a fresh interpreter holds after importing `modules`."""
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(','.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip().split(",")


def test_no_engine_source_mentions_textual_imports():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0].startswith(UI_PREFIXES):
            continue
        names = imported_names(path)
        offenders += [f"{rel}: {n}" for n in names if n.split(".")[0] in ("textual", "rich")]
    assert offenders == []


def test_importing_every_engine_module_loads_no_textual():
    modules = engine_modules()
    assert "newsreader.store" in modules and "newsreader.ingest.fetch" in modules
    loaded = loaded_by_importing(modules)
    assert [m for m in loaded if m.split(".")[0] in ("textual", "rich")] == []


# The store package sits below the library: it knows the models and the retention settings.
# i18n: the store's messages are marked for the catalogs (N_), made in English.
STORE_MAY_IMPORT = (
    "newsreader.store",
    "newsreader.models",
    "newsreader.config",
    "newsreader.i18n",
    "newsreader.collector",  # the garbage collector's pause for a load (stdlib only)
)


def in_packages(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_store_package_imports_only_models_config_i18n_and_collector_of_newsreader():
    store = PACKAGE / "store"
    assert (store / "__init__.py").is_file() and len(list(store.glob("*.py"))) > 1
    offenders = []
    for path in sorted(store.rglob("*.py")):
        names = [n for n in imported_names(path) if n.split(".")[0] == "newsreader"]
        offenders += [
            f"store/{path.name}: {n}" for n in names if not in_packages(n, STORE_MAY_IMPORT)
        ]
    assert offenders == []


def test_importing_the_store_loads_no_ui():
    store_modules = [m for m in engine_modules() if in_packages(m, ("newsreader.store",))]
    loaded = loaded_by_importing(store_modules)
    ui = ("textual", "rich", *(f"newsreader.{p}" for p in UI_PREFIXES))
    assert [m for m in loaded if in_packages(m, ui)] == []


# The UI talks to the engine through the service object (Library), the marks queue and plain
# values; never to the store, the indexes or the fetch/parse machinery behind them.
UI_MAY_IMPORT = (
    "newsreader.ui",
    "newsreader.library",  # the service object, and the errors and snapshots it hands out
    "newsreader.marks",
    "newsreader.queries",  # the saved searches Library.saved hands out, and their error
    "newsreader.hooks",  # the service call run after a refresh with new articles
    "newsreader.ingest.refresh",  # the service call `refresh` and its progress value
    "newsreader.ingest.fulltext",  # the service call `fetch_now` (the reader's T)
    "newsreader.ingest.discover",  # the service call `feeds_at` (adding a web page's feeds)
    "newsreader.models",
    "newsreader.history",
    "newsreader.views",
    "newsreader.indexes.related",  # the Related value shown under an article
    "newsreader.timefmt",
    "newsreader.i18n",  # the reader's words and their language
    "newsreader.sanitize",
    "newsreader.players",
    "newsreader.sharing",  # an article as Markdown, saved; links to the user's openers
    "newsreader.image_cache",  # an image file's header check and pixel bound, before decoding
    "newsreader.opml",  # importing a file on the welcome screen
    "newsreader.demo",
    "newsreader.ui.app",
    "newsreader.paths",  # the data and config folders' environment names, for `newsreader sync`
    "newsreader.sync",  # accounts_state, account_health: the accounts the screen shows and syncs
)


def ui_sources() -> list[Path]:
    return sorted((PACKAGE / "ui").rglob("*.py"))


def ui_offenders(sources: list[Path], root: Path = PACKAGE) -> list[str]:
    offenders = []
    for path in sources:
        names = [n for n in imported_names(path) if n.split(".")[0] == "newsreader"]
        rel = path.relative_to(root).as_posix()
        offenders += [f"{rel}: {n}" for n in names if not in_packages(n, UI_MAY_IMPORT)]
    return offenders


def test_the_ui_imports_only_the_service_object_and_values():
    assert ui_offenders(ui_sources()) == []


def test_the_boundary_check_catches_a_widget_importing_the_store(tmp_path):
    widget = tmp_path / "ui" / "widget.py"
    widget.parent.mkdir()
    widget.write_text(
        "from newsreader.store import Batch\nfrom newsreader.library import Library\n"
        "from newsreader.indexes.related.index import RelatedIndex\n",
        encoding="utf-8",
    )
    assert ui_offenders([widget], root=tmp_path) == ["ui/widget.py: newsreader.store"]


def test_the_ui_never_sets_read_or_starred_itself():
    """Marks go through `Marks` (shown at once, written behind), never `article.read = ...`."""
    offenders = []
    for path in ui_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr in ("read", "starred"):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def test_ingest_never_imports_the_renderer_and_its_readers_form_no_cycle():
    ingest = PACKAGE / "ingest"
    offenders = []
    graph: dict[str, set[str]] = {}
    for path in sorted(ingest.rglob("*.py")):  # the fetch/ package's modules too
        names = [n for n in imported_names(path) if n.split(".")[0] == "newsreader"]
        module = ".".join(path.relative_to(ingest).with_suffix("").parts).removesuffix(".__init__")
        offenders += [
            f"ingest/{module}: {n}"
            for n in names
            if in_packages(n, ("newsreader.to_markdown", "newsreader.ui", "newsreader.ui.app"))
        ]
        graph[module] = {
            n.removeprefix("newsreader.ingest.")
            for n in names
            if n.startswith("newsreader.ingest.")
        }
    assert offenders == []
    # The format readers build raw.py's types; neither they nor normalise know the entry point.
    for reader in ("xmlfeed", "jsonfeed", "normalise", "decode", "raw"):
        assert "parse" not in graph[reader], reader

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    assert [m for m in graph if reaches(m, m, set())] == []

"""Reading a cache whose folder cannot be written (a read-only mount, another user's cache).

`list`, `unread`, `search` and `show` work without the write lock; commands that write say so
in one line; the reader opens with a visible notice and keeps marks in memory. Nothing on disk
changes. The CLI cases run the real command inside a private mount namespace where the data
folder is bind-mounted read-only (tests run as root, so chmod would not stop a write); the
reader runs in-process with the kernel's EROFS injected at the store's `os`.
"""

from __future__ import annotations

import errno
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from newsreader.library import Library
from newsreader.store import ReadOnly, Store
from newsreader.ui.screens.main import READ_ONLY_NOTICE, MainScreen
from ui_fixtures import copy_cache, make_app

COMMAND = Path(sys.executable).with_name("newsreader")


@pytest.fixture
def cache(demo_template: Path, tmp_path: Path) -> Path:
    return copy_cache(demo_template, tmp_path / "data")


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _ro_namespace_works(tmp: Path) -> bool:
    probe = tmp / "ro-probe"
    probe.mkdir(exist_ok=True)
    script = f"mount --bind -o ro {probe} {probe} && ! touch {probe}/x 2>/dev/null"
    try:
        done = subprocess.run(
            ["unshare", "-m", "sh", "-c", script], capture_output=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def run_read_only(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed command with `data` bind-mounted read-only in its own mount namespace."""
    cmd = " ".join(shlex.quote(a) for a in [str(COMMAND), "--data-dir", str(data), *args])
    script = f"mount --bind -o ro {shlex.quote(str(data))} {shlex.quote(str(data))} && exec {cmd}"
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_reads_a_read_only_cache_and_refuses_writes_in_one_line(
    cache: Path, tmp_path: Path
) -> None:
    if not _ro_namespace_works(tmp_path):
        pytest.skip("no private mount namespace here (unshare -m)")
    before = files_of(cache)
    with Library.open(cache) as lib:
        some = lib.newest_first()[0]
        unread = len(lib.unread())

    listed = run_read_only(cache, "list")
    assert listed.returncode == 0, listed.stderr
    assert "Neustädter Anzeiger" in listed.stdout
    assert "read-only" in listed.stderr and listed.stderr.count("\n") == 1

    out = run_read_only(cache, "unread", "--json")
    assert out.returncode == 0, out.stderr
    assert out.stdout.count('"id"') == unread

    out = run_read_only(cache, "search", "Quellwerk")
    assert out.returncode == 0 and "Quellwerk" in out.stdout, out.stderr

    out = run_read_only(cache, "show", some.id[:10])
    assert out.returncode == 0 and some.headline in out.stdout, out.stderr

    for args in (["refresh"], ["add", "https://example.org/feed.xml"], ["tag", "1", "X"]):
        out = run_read_only(cache, *args)
        assert out.returncode == 1, (args, out.stdout, out.stderr)
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith("newsreader: cannot write the cache: the cache in ")
        assert lines[0].endswith("is read-only (Read-only file system)"), lines
        assert "Traceback" not in out.stderr

    assert files_of(cache) == before  # not even a lock file or a read mark


class ReadOnlyOs:
    """`os` for newsreader.store where opening for writing fails with EROFS, as a read-only
    mount would (tests run as root)."""

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)

    def open(self, path: object, flags: int, mode: int = 0o777, **kw: object) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return os.open(path, flags, mode, **kw)  # type: ignore[arg-type]


def patch_store_os(monkeypatch: pytest.MonkeyPatch, fake: object) -> None:
    """`fake` stands in for `os` in newsreader.store and in each of its modules that uses `os`."""
    for name, module in list(sys.modules.items()):
        if (name + ".").startswith("newsreader.store.") and hasattr(module, "os"):
            monkeypatch.setattr(module, "os", fake)


def test_store_opens_read_only_and_refuses_commits(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = files_of(cache)
    patch_store_os(monkeypatch, ReadOnlyOs())
    store = Store(cache)
    warnings = store.open()
    assert store.read_only
    assert len(warnings) == 1 and "read-only" in warnings[0]
    snap = store.load()
    assert len(snap.articles) >= 40
    some = next(iter(snap.articles.values()))
    assert store.body(some.feed_id, some.id)  # bodies read too
    from newsreader.store import Batch

    with pytest.raises(ReadOnly):
        store.commit(Batch(read={some.id: True}))
    assert files_of(cache) == before


@pytest.mark.anyio
async def test_reader_opens_read_only_with_a_notice_and_keeps_marks_in_memory(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = files_of(cache)
    patch_store_os(monkeypatch, ReadOnlyOs())
    app = make_app(cache, tmp_path)
    notes: list[str] = []
    original = app.notify

    def notify(message: object, *args: object, **kw: object) -> None:
        notes.append(str(message))
        original(message, *args, **kw)

    app.notify = notify
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(0.4)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        status = str(screen.query_one("#status").render())
        assert READ_ONLY_NOTICE in status
        assert any("read-only" in n for n in notes)  # the cache warning, once
        first = screen.headlines.article_id
        assert first is not None
        await pilot.press("s", "m")
        await pilot.pause(0.3)
        art = app.library.articles[first]
        assert art.starred and art.read  # kept in memory
        assert not any(n.startswith("Not saved yet") for n in notes)  # no retry noise
        await pilot.press("r")
        await pilot.pause(0.1)
        assert "The cache is read-only: refresh is off" in notes
        await pilot.press("q")  # quits at once: nothing to ask about
        await pilot.pause(0.2)
    assert app.return_code in (0, None)
    assert not app.is_running
    assert files_of(cache) == before

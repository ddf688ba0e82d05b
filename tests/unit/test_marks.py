"""Marks: the one write-behind queue for read and starred, used by the reader and the CLI."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from newsreader.library import Library
from newsreader.marks import Marks, Written
from newsreader.store import Batch, StoreError
from ui_fixtures import open_library

pytestmark = pytest.mark.anyio


@pytest.fixture
def lib(data: Path):
    with open_library(data) as library:
        yield library


def on_disk(path: Path) -> Library:
    return open_library(path)


def unread(lib: Library, n: int):
    found = [a for a in lib.newest_first() if not a.read and not a.starred][:n]
    assert len(found) == n
    return found


def count_commits(lib: Library, monkeypatch, fail: int = 0) -> list[Batch]:
    """Record each batch written; the first `fail` writes fail as a full disk would."""
    seen: list[Batch] = []
    real = Library.write

    def write(self: Library, batch: Batch):
        seen.append(batch)
        if len(seen) <= fail:
            raise StoreError("No space left on device")
        return real(self, batch)

    monkeypatch.setattr(Library, "write", write)  # Library has slots: patched on the class
    return seen


async def test_a_burst_of_changes_is_shown_at_once_and_written_in_one_batch(lib, monkeypatch):
    writes = count_commits(lib, monkeypatch)
    marks = Marks(lib)
    a, b, c = unread(lib, 3)
    assert marks.set_read([a, b]) == [a, b] and a.read and b.read  # shown at once
    assert marks.set_read([a]) == []  # no change, nothing queued twice
    assert marks.toggle_star(c) and c.starred
    assert marks.pending and len(writes) == 0  # nothing written yet
    result = await marks.write()
    assert result.outcome is Written.SAVED and len(writes) == 1
    assert writes[0].read == {a.id: True, b.id: True} and writes[0].starred == {c.id: True}
    assert not marks.pending
    with on_disk(lib.store.root) as again:
        assert again.articles[a.id].read and again.articles[c.id].starred
    assert (await marks.write()).outcome is Written.NOTHING


async def test_a_failed_write_keeps_the_changes_and_newer_ones_win(lib, monkeypatch):
    writes = count_commits(lib, monkeypatch, fail=1)
    marks = Marks(lib)
    (a,) = unread(lib, 1)
    marks.toggle_star(a)
    result = await marks.write()
    assert result.outcome is Written.FAILED and "No space" in (result.error or "")
    assert marks.pending and marks.error and a.starred  # kept, still shown
    marks.toggle_star(a)  # unstarred while the disk was full: the newer change wins
    assert (await marks.write()).outcome is Written.SAVED and marks.error is None
    assert writes[-1].starred == {a.id: False}
    with on_disk(lib.store.root) as again:
        assert not again.articles[a.id].starred


async def test_changes_made_during_a_write_go_in_the_next_batch_of_the_same_write(lib, monkeypatch):
    writes: list[Batch] = []
    real = Library.write
    a, b = unread(lib, 2)
    marks = Marks(lib)

    def slow_write(self: Library, batch: Batch):
        writes.append(batch)
        if len(writes) == 1:
            marks.set_read([b])  # as if typed while the first batch is on its way
        return real(self, batch)

    monkeypatch.setattr(Library, "write", slow_write)
    marks.set_read([a])
    assert (await marks.write()).outcome is Written.SAVED
    assert [set(w.read) for w in writes] == [{a.id}, {b.id}] and not marks.pending


async def test_drain_waits_for_the_write_in_flight_then_writes_the_rest(lib, monkeypatch):
    import time

    real = Library.write

    def slow(self: Library, batch: Batch):
        time.sleep(0.3)
        return real(self, batch)

    monkeypatch.setattr(Library, "write", slow)
    marks = Marks(lib)
    (a,) = unread(lib, 1)
    marks.toggle_star(a)
    writing = asyncio.ensure_future(marks.write())
    await asyncio.sleep(0.05)
    assert marks.writing
    marks.toggle_star(a)  # unstar, then quit: the older batch must not land last
    assert await marks.drain() is None
    await writing
    with on_disk(lib.store.root) as again:
        assert not again.articles[a.id].starred


def test_save_raises_and_keeps_the_changes_the_cli_way(lib, monkeypatch):
    count_commits(lib, monkeypatch, fail=1)
    marks = Marks(lib)
    (a,) = unread(lib, 1)
    marks.set_read([a])
    with pytest.raises(StoreError):
        marks.save()
    assert marks.pending
    assert marks.flush() is None and not marks.pending


def test_reapply_puts_queued_changes_on_reloaded_articles(lib):
    marks = Marks(lib)
    (a,) = unread(lib, 1)
    marks.set_read([a])
    marks.toggle_star(a)
    lib.adopt(lib.store.load())  # another process's commit: fresh Article objects
    assert not lib.articles[a.id].read
    marks.reapply()
    assert lib.articles[a.id].read and lib.articles[a.id].starred


async def test_read_only_marks_stay_in_memory(lib, monkeypatch):
    writes = count_commits(lib, monkeypatch)
    monkeypatch.setattr(type(lib), "read_only", property(lambda self: True))
    marks = Marks(lib)
    (a,) = unread(lib, 1)
    marks.set_read([a])
    assert (await marks.write()).outcome is Written.READ_ONLY
    assert marks.flush() is None and writes == [] and a.read


def test_the_library_keeps_its_slots(tmp_path) -> None:
    """Library is a slots dataclass with mixins (library/): a misspelt attribute must raise,
    not land in a __dict__ nobody reads."""
    lib = Library.open(tmp_path / "data")
    try:
        assert not hasattr(lib, "__dict__")
        with pytest.raises(AttributeError):
            lib.unread_cuonts = 1  # type: ignore[attr-defined]
    finally:
        lib.close()

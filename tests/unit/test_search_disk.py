"""The search index on disk (search.sqlite): one index for the reader and the CLI, body words
included, kept equal to the cache per feed, surviving damage, crashes and other processes.

Real German news from ../shared/realnews is the corpus (13 feeds of one day, 1,500 articles).
The reference is the same query language over an index built in memory from every article and
its body (`SearchIndex.add_many`/`add_body`): the disk index must give the same ids in the same
order, from the reader's `Library.search` and from the CLI's quick path alike.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from newsreader import cli
from newsreader.config import Settings
from newsreader.indexes.fulltext import FILE_NAME, TermIndex
from newsreader.indexes.on_disk import CacheSearch
from newsreader.indexes.search import SearchIndex
from newsreader.indexes.search_sync import sync
from newsreader.ingest.refresh import refresh_sync
from newsreader.library import Library
from newsreader.sanitize import search_text
from newsreader.store import Batch
from shared_paths import REALNEWS

QUERIES = [
    "Weihnachtsmarkt",
    "Magdeburg",
    "magdeburg anschlag",
    "Magdeb",  # a prefix, still being typed
    '"Weihnachtsmarkt in Magdeburg"',
    "Scholz -Magdeburg",
    "tag:Ausland",
    "unread Ukraine",
    "feed:tagesschau Bundestag",
    "Selenskyj OR",
    "Munchen",  # umlaut-tolerant
    "Bundesregierung",  # a body word as much as a headline word
    "Polizei Täter",
    "-Magdeburg unread",
    "starred",
    # issue 13's additions to the language
    "Weihnachtsmarkt OR Anschlag unread",
    "title:Magdeburg",
    "Magdeburg -title:Magdeburg",
    "older:1d Scholz",
    "has:enclosure",
    "after:2024-12-21 Bundestag",
]


@pytest.fixture(scope="module")
def realnews_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not REALNEWS.is_dir():
        pytest.skip(f"realnews not found at {REALNEWS}")
    data = tmp_path_factory.mktemp("realnews") / "data"
    with Library.open(data, settings=Settings(parse_workers=2)) as lib:
        for path in sorted(REALNEWS.glob("*.xml")):
            lib.add_feed(str(path))
        summary = refresh_sync(lib)
        assert not summary.failures, summary.failures
        some = sorted(lib.articles)[:40]
        lib.commit(Batch(starred={aid: True for aid in some[:5]}, read=dict.fromkeys(some, True)))
    return data


@pytest.fixture
def cache(realnews_cache: Path, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(realnews_cache, data)
    return data


def reference(lib: Library) -> SearchIndex:
    """Every article and body in an index in memory: what the disk index must agree with."""
    index = SearchIndex(lib.articles, lib.feed_title)
    index.add_many(list(lib.articles.values()))
    for feed_id in lib.feeds:
        for aid, html in lib.store.load_bodies(feed_id).items():
            if html:
                index.add_body(aid, search_text(html))
    return index


def test_reader_and_cli_answer_like_an_index_of_everything(cache: Path) -> None:
    with Library.open(cache) as lib:
        ref = reference(lib)
        quick = CacheSearch(cache)
        try:
            answered = 0
            for query in QUERIES:
                expected = ref.search(query)
                assert [a.id for a in lib.search(query)] == expected, query
                assert [a.id for a in quick.search(query)] == expected, query
                assert [a.id for a in quick.search(query, limit=7)] == expected[:7], query
                answered += bool(expected)
        finally:
            quick.close()
    assert answered >= len(QUERIES) - 2  # the queries find things: this compares real answers


def test_body_words_are_found_by_the_reader(cache: Path) -> None:
    """Words that only a body holds: the reader's search finds them too (it used to search
    headlines, leads and tags only, and answered differently from the CLI)."""
    with Library.open(cache) as lib:
        body_only = None
        for art in lib.articles.values():
            meta = " ".join((art.headline, art.kicker, art.lead, *art.tags)).casefold()
            html = lib.store.body(art.feed_id, art.id)
            for word in search_text(html).split():
                if len(word) > 9 and word.isalpha() and word.casefold() not in meta:
                    body_only = (art.id, word)
                    break
            if body_only:
                break
        assert body_only is not None
        aid, word = body_only
        assert aid in [a.id for a in lib.search(word)]


def test_a_commit_reindexes_only_what_changed_and_other_processes_see_it(cache: Path) -> None:
    with Library.open(cache) as lib:
        lib.sync_search()
        art = next(a for a in lib.newest_first() if a.lead)
        changed = Batch(articles=[_renamed(art, "Zwergpudelweltmeisterschaft in Magdeburg")])
        changed.bodies[art.id] = lib.store.body(art.feed_id, art.id)
        lib.commit(changed)
        index = lib._terms
        assert index is not None
        result = sync(index, cache)
        assert (result.feeds, result.indexed) == (1, 1)  # one feed's files, one article
        assert [a.id for a in lib.search("Zwergpudelweltmeisterschaft")] == [art.id]
    quick = CacheSearch(cache)
    try:
        assert [a.id for a in quick.search("zwergpudelweltmeisterschaft")] == [art.id]
        assert quick.search("zwergpudelweltmeisterschaft")[0].headline.startswith("Zwergpudel")
    finally:
        quick.close()


def _renamed(art, headline):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(art, headline=headline)


def test_a_removed_feed_leaves_the_index(cache: Path) -> None:
    with Library.open(cache) as lib:
        feed_id = next(iter(lib.feeds))
        ids = {a.id for a in lib.articles.values() if a.feed_id == feed_id}
        lib.sync_search()
        lib.remove_feed(lib.feeds[feed_id])
        assert ids and not ids & {a.id for a in lib.search("unread")}
        assert lib._terms is not None and feed_id not in lib._terms.fed()
        assert len(lib.search_index) == len(lib.articles)


def test_marks_need_no_reindexing_and_count_at_once(cache: Path) -> None:
    with Library.open(cache) as lib:
        hit = lib.search("Magdeburg")[0]
        assert hit.id in [a.id for a in lib.search("Magdeburg unread")]
        lib.commit(Batch(read={hit.id: True}))
        assert hit.id not in [a.id for a in lib.search("Magdeburg unread")]
        assert lib._terms is not None
        assert sync(lib._terms, cache).feeds == 0  # a mark changes no indexed file
    quick = CacheSearch(cache)
    try:
        assert hit.id not in [a.id for a in quick.search("Magdeburg unread")]
        assert hit.id in [a.id for a in quick.search("Magdeburg is:read")]
    finally:
        quick.close()


def test_a_damaged_index_is_moved_aside_and_rebuilt(cache: Path) -> None:
    with Library.open(cache) as lib:
        expected = [a.id for a in lib.search("Magdeburg")]
    (cache / FILE_NAME).write_bytes(b"this is not a database" * 500)
    for suffix in ("-wal", "-shm"):
        (cache / (FILE_NAME + suffix)).unlink(missing_ok=True)
    quick = CacheSearch(cache)
    try:
        assert [a.id for a in quick.search("Magdeburg")] == expected
        assert any("moved to search.sqlite.corrupt-" in w for w in quick.warnings), quick.warnings
    finally:
        quick.close()
    assert list(cache.glob(FILE_NAME + ".corrupt-*"))


def test_an_index_of_another_schema_is_rebuilt(cache: Path) -> None:
    db = sqlite3.connect(cache / FILE_NAME)
    db.execute("CREATE TABLE other(x)")
    db.execute("PRAGMA user_version=99")
    db.commit()
    db.close()
    with Library.open(cache) as lib:
        assert lib.search("Magdeburg")
        assert len(lib.search_index) == len(lib.articles)


def test_a_read_only_cache_is_searched_from_memory(cache: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    (cache / FILE_NAME).unlink(missing_ok=True)
    for path in [cache, *cache.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        with Library.open(cache) as lib:
            assert lib.read_only
            assert lib.search("Magdeburg")
    finally:
        for path in [cache, *cache.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_an_unwritable_index_file_falls_back_to_memory(cache: Path) -> None:
    """The folder is fine but the index cannot be written (here: a directory in its place)."""
    (cache / FILE_NAME).unlink(missing_ok=True)
    (cache / FILE_NAME).mkdir()
    quick = CacheSearch(cache)
    try:
        assert quick.search("Magdeburg")
        assert any("searching from memory" in w for w in quick.warnings), quick.warnings
    finally:
        quick.close()


_SYNC_AND_DIE = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from newsreader.indexes.fulltext import TermIndex
    from newsreader.indexes.search_sync import sync
    root = Path(sys.argv[1])
    die_at = int(sys.argv[2])
    def progress(done, total):
        if done == die_at:
            os.kill(os.getpid(), signal.SIGKILL)
    sync(TermIndex(root / "search.sqlite"), root, progress=progress)
    """
)


def test_a_sync_killed_midway_is_finished_by_the_next_one(cache: Path) -> None:
    (cache / FILE_NAME).unlink(missing_ok=True)
    kills, done = 0, 0
    while True:  # killed after every third feed it finishes, until a run finishes them all
        proc = subprocess.run([sys.executable, "-c", _SYNC_AND_DIE, str(cache), "3"])
        partial = TermIndex(cache / FILE_NAME)
        fed = len(partial.fed())
        partial.close()
        if proc.returncode == 0:
            break
        assert proc.returncode == -signal.SIGKILL
        assert fed == done + 3  # every feed finished before the kill was committed
        kills, done = kills + 1, fed
    assert kills >= 3
    with Library.open(cache) as lib:
        ref = reference(lib)
        for query in QUERIES[:6]:
            assert [a.id for a in lib.search(query)] == ref.search(query), query
        assert lib._terms is not None
        assert lib._terms.count() == len(lib.articles)  # no duplicate, none missing


def test_two_processes_syncing_at_once_agree(cache: Path) -> None:
    (cache / FILE_NAME).unlink(missing_ok=True)
    code = (
        "import sys; from pathlib import Path;"
        "from newsreader.indexes.fulltext import TermIndex;"
        "from newsreader.indexes.search_sync import sync;"
        "r = Path(sys.argv[1]); print(sync(TermIndex(r / 'search.sqlite'), r).indexed)"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(cache)], stdout=subprocess.PIPE)
        for _ in range(2)
    ]
    counts = [int(p.communicate(timeout=120)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    with Library.open(cache) as lib:
        assert sum(counts) == len(lib.articles)  # every article indexed once, by one of them
        assert lib.sync_search() == 0
        assert lib._terms is not None
        assert lib._terms.count() == len(lib.articles)


def test_the_cli_searches_without_loading_the_cache(
    cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--data-dir", str(cache), "search", "Magdeburg", "--limit", "5"]) == 0
    through_library = capsys.readouterr().out

    def refuse(*_a, **_k):  # type: ignore[no-untyped-def]
        raise AssertionError("the quick path opened the whole cache")

    monkeypatch.setattr(Library, "open", refuse)
    assert cli.main(["--data-dir", str(cache), "search", "Magdeburg", "--limit", "5"]) == 0
    quick = capsys.readouterr().out
    assert quick == through_library and len(quick.splitlines()) == 5
    assert cli.main(["--data-dir", str(cache), "search", "--json", "Magdeburg"]) == 0
    assert '"headline"' in capsys.readouterr().out


def test_the_cli_falls_back_to_opening_a_cache_it_cannot_read_quickly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No cache yet: the ordinary path creates it and says nothing matches."""
    assert cli.main(["--data-dir", str(tmp_path / "new"), "search", "Magdeburg"]) == 1
    assert "no articles match" in capsys.readouterr().err


def test_worker_threads_do_not_pile_up_connections_and_close_folds_the_wal(cache: Path) -> None:
    """The reader searches and syncs from short-lived worker threads: each gets its own
    connection, closed once its thread has ended; closing the library leaves one file."""
    import threading

    lib = Library.open(cache)
    try:
        lib.sync_search()
        for _ in range(20):
            worker = threading.Thread(target=lambda: lib.search("Magdeburg"))
            worker.start()
            worker.join()
        assert lib._terms is not None and len(lib._terms._opened) <= 2
    finally:
        lib.close()
    assert sorted(p.name for p in cache.glob(FILE_NAME + "*")) == [FILE_NAME]


def test_the_readers_row_table_follows_another_processes_index_writes(cache: Path) -> None:
    """The reader maps index row numbers to its newest-first list once per change; a change to
    the index made by another process (its own connection) must reach the next query: the
    renamed article is re-indexed under a new row number, which an old table would not know."""
    with Library.open(cache) as reader:
        reader.sync_search()
        assert reader.search("Magdeburg")  # the table is made here
        art = next(a for a in reader.newest_first() if a.lead)
        with Library.open(cache) as other:
            changed = Batch(articles=[_renamed(art, "Zwergpudelweltmeisterschaft in Kassel")])
            changed.bodies[art.id] = other.store.body(art.feed_id, art.id)
            other.commit(changed)
            other.sync_search()
        # The reader has not reloaded: the article is the same id in its list, the index row new.
        assert [a.id for a in reader.search("Zwergpudelweltmeisterschaft", sync=False)] == [art.id]
        assert art.id in [a.id for a in reader.search("Kassel", sync=False)]


def test_row_numbers_are_never_given_twice(tmp_path: Path) -> None:
    """SQLite hands the highest row number out again once its row is deleted; the reader's
    table of row numbers -> articles (row_places.py) relies on a number naming one article for
    good, across processes and reopenings."""
    from newsreader.indexes.fulltext import Doc

    def doc(aid: str) -> Doc:
        return Doc(aid, "f", 1, 0.0, (), ("wort",), " wort ")

    path = tmp_path / FILE_NAME
    index = TermIndex(path)
    index.put([doc("a"), doc("b")])
    index.delete(["b"])  # the highest number
    index.close()
    other = TermIndex(path)  # another process, later
    other.put([doc("c")])
    with other.snapshot() as snap:
        rows = TermIndex.numbers_after(snap, 0)
    other.close()
    assert [aid for _n, aid in rows] == ["a", "c"]
    assert rows[1][0] == 3  # not 2, which named "b"

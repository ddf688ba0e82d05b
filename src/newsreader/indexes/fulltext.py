"""The term index: SQLite FTS5 over every article's index terms, on disk beside the cache.

One row per article: its distinct index terms (headline, kicker, lead, author, tags and body;
`terms.py` folds and stems them, so FTS5 only splits on spaces: the ``ascii`` tokenizer keeps
every non-ASCII character inside a token), its feed, its newest-first sort key and its tag keys.
`search.py` turns a query into `Plan`s that run here; read/starred marks, phrases and whether an
article still exists are checked by the caller's callbacks while rows stream out newest first,
so a query with a limit stops early.

Why SQLite (the standard library's, nothing to install): an inverted index that a fresh process
can query without loading the cache (the CLI answers in a fraction of a second at 100,000
articles instead of re-reading every body), that several processes can update and read at once
(WAL, busy timeout), and that a crash leaves whole (transactions). It is derived data: a
missing, damaged or newer-schema file is moved aside or rebuilt from the cache, never trusted.

`detail=none`: only which articles hold a term, no positions (phrases are checked in the text
by the caller), which keeps the index small; prefix indexes for 2 and 3 characters make
type-ahead prefixes cheap.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newsreader.models import Article

SCHEMA = 3
FILE_NAME = "search.sqlite"

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS fed(
    feed TEXT PRIMARY KEY, idx INTEGER NOT NULL, body INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS docs(
    n INTEGER PRIMARY KEY, aid TEXT NOT NULL UNIQUE, feed TEXT NOT NULL, sig INTEGER NOT NULL,
    t REAL NOT NULL, terms BLOB NOT NULL, words BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS docs_feed ON docs(feed);
CREATE INDEX IF NOT EXISTS docs_t ON docs(t);
CREATE TABLE IF NOT EXISTS tags(tag TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(tag, n))
    WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_n ON tags(n);
CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    terms, content='', tokenize='ascii', detail='none', prefix='2 3');
"""
_ORDER = "ORDER BY d.t"
_FTS_COND = "d.n IN (SELECT rowid FROM fts WHERE fts MATCH ?)"


def _clean(text: str) -> str:
    """Text SQLite can store: a lone surrogate (never in sanitised feed text) becomes U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def signature(article: Article, body_html: str) -> int:
    """What the index holds of an article, hashed: an unchanged article is not indexed again."""
    h = hashlib.blake2b(digest_size=8)
    for part in (
        article.headline,
        article.kicker,
        article.lead,
        article.author,
        "\x1e".join(article.tags),
        article.link,
        article.guid,
        repr(article.published.timestamp()),
        body_html,
    ):
        h.update(_clean(part).encode("utf-8"))
        h.update(b"\x1f")
    return int.from_bytes(h.digest(), "big", signed=True)


@dataclass(slots=True)
class Doc:
    """One article as the index holds it."""

    aid: str
    feed: str
    sig: int
    t: float  # -published: the first part of the newest-first order (the caller breaks ties)
    tags: tuple[str, ...]  # folded tag keys
    terms: Iterable[str]  # distinct index terms
    words: str = ""  # " headline | kicker | lead | body " as folded words, for phrases


def order_of(article: Article) -> float:
    return -article.published.timestamp()


def words_of(blob: bytes | None) -> str:
    """The " folded words " of a row's `words` column."""
    return zlib.decompress(blob).decode() if blob else ""


def fts_string(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


@dataclass(slots=True)
class Plan:
    """A query as conditions on the index (built by search.py from a `Query`).

    `all_of`: groups of alternatives, every group must match; an alternative is an index term,
    a prefix (``"word"*``) or a feed id (a word found in the feed's title). `none_of`: the same,
    none may match. Tags are folded tag keys; feeds are feed ids (any of them).
    """

    all_of: list[Alternatives] = field(default_factory=list)
    none_of: list[Alternatives] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    not_tags: list[str] = field(default_factory=list)
    feeds: list[set[str]] = field(default_factory=list)  # each set: the article's feed is in it
    not_feeds: set[str] = field(default_factory=set)
    after: float | None = None  # published at or after (seconds since the epoch)
    before: float | None = None  # published before


@dataclass(slots=True, frozen=True)
class Snapshot:
    """A read transaction on one thread's connection (`TermIndex.snapshot`)."""

    db: sqlite3.Connection
    file: tuple[int, int]


@dataclass(slots=True)
class Alternatives:
    terms: list[str] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    feeds: set[str] = field(default_factory=set)

    def match(self) -> str:
        return " OR ".join(
            [fts_string(t) for t in self.terms] + [fts_string(p) + "*" for p in self.prefixes]
        )


class TermIndex:
    """The SQLite term index; `path` None keeps it in memory (tests, read-only caches).

    On disk every thread has its own connection (WAL: a query streaming rows in the UI thread
    reads a snapshot while a worker writes); in memory one connection is shared under a lock.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.warnings: list[str] = []
        self._lock = threading.RLock()  # one writer per process; the in-memory connection
        self._local = threading.local()
        self._memory: sqlite3.Connection | None = None
        self._ready = False  # the file was checked and has our schema
        self._epoch = 0  # bumped when the file is replaced: threads reconnect
        self._feeds: list[str] | None = None
        self._opened: list[tuple[threading.Thread, sqlite3.Connection]] = []  # every thread's

    # ------------------------------------------------------------------ the file

    def _connect(self) -> sqlite3.Connection:
        if self.path is None:
            if self._memory is None:
                db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
                db.executescript(_SCHEMA_SQL)
                db.execute(f"PRAGMA user_version={SCHEMA}")
                self._memory = db
            return self._memory
        mine: sqlite3.Connection | None = getattr(self._local, "db", None)
        if mine is not None and self._local.epoch == self._epoch:
            return mine
        with self._lock:
            if not self._ready:
                try:
                    self._open_file().close()
                except sqlite3.OperationalError:
                    raise  # cannot open or write (permissions, disk): not damage
                except sqlite3.DatabaseError as exc:
                    self._move_aside(exc)
                    self._open_file().close()
                self._ready = True
            db = sqlite3.connect(
                str(self.path), timeout=30.0, check_same_thread=False, isolation_level=None
            )
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db, self._local.epoch = db, self._epoch
            # Worker threads come and go: close the connections of those that ended.
            for _thread, old in [x for x in self._opened if not x[0].is_alive()]:
                with contextlib.suppress(sqlite3.Error):
                    old.close()
            self._opened = [x for x in self._opened if x[0].is_alive()]
            self._opened.append((threading.current_thread(), db))
        return db

    def _open_file(self) -> sqlite3.Connection:
        """Open and set up the file. Two processes creating it at once: switching to WAL takes
        an exclusive lock that SQLite does not wait for, so "locked" is retried here."""
        deadline = time.monotonic() + 30.0
        while True:
            try:
                return self._open_file_once()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _open_file_once(self) -> sqlite3.Connection:
        assert self.path is not None
        db = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None)
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA):
                # Another version's layout: derived data, so start again (the old file goes).
                db.close()
                self._remove_files()
                db = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None)
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA_SQL)
            db.execute(f"PRAGMA user_version={SCHEMA}")
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _remove_files(self) -> None:
        assert self.path is not None
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(str(self.path) + suffix).unlink()

    def _move_aside(self, exc: Exception) -> None:
        """A damaged file: keep it for inspection under another name and start a new one."""
        assert self.path is not None
        self._epoch += 1
        self._ready = False
        db = getattr(self._local, "db", None)
        if db is not None:
            with contextlib.suppress(sqlite3.Error):
                db.close()
            self._local.db = None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        with contextlib.suppress(OSError):
            self.path.replace(aside)
        self._remove_files()
        self.warnings.append(
            f"search index {self.path.name} was unreadable ({exc}); moved to {aside.name},"
            " rebuilding it from the cache"
        )

    def recover(self, exc: sqlite3.DatabaseError) -> None:
        """A statement failed on a damaged file: move it aside; the next use starts empty."""
        with self._lock:
            if self.path is None:
                raise exc
            self._move_aside(exc)

    def close(self) -> None:
        with self._lock:
            # Every thread's connection: the last one to close folds the WAL into the file.
            for db in [self._memory, *(c for _t, c in self._opened)]:
                if db is not None:
                    with contextlib.suppress(sqlite3.Error):
                        db.close()
            self._opened.clear()
            self._memory = None
            self._local = threading.local()
            self._epoch += 1

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._feeds = None
            db = self._connect()
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _read(self, sql: str, args: Sequence[object] = ()) -> list[tuple]:
        with self._lock:
            return self._connect().execute(sql, args).fetchall()

    # ------------------------------------------------------------------ upkeep

    def fed(self) -> dict[str, tuple[int, int]]:
        """Feed id -> the (index, body) file generations its rows were made from."""
        self._feeds = None  # a sync starts here: another process may have added feeds
        return {f: (i, b) for f, i, b in self._read("SELECT feed, idx, body FROM fed")}

    def signatures(self, feed_id: str) -> dict[str, int]:
        return dict(self._read("SELECT aid, sig FROM docs WHERE feed=?", (feed_id,)))

    def put(self, docs: Iterable[Doc]) -> None:
        """Add or replace articles (outside any feed bookkeeping: the in-memory index)."""
        with self._write() as db:
            for doc in docs:
                self._put(db, doc)

    def delete(self, aids: Iterable[str]) -> None:
        with self._write() as db:
            for aid in aids:
                self._delete(db, aid)

    def replace_feed(
        self,
        feed_id: str,
        gens: tuple[int, int],
        changed: Sequence[Doc],
        gone: Iterable[str],
        *,
        expect: tuple[int, int] | None = None,
    ) -> bool:
        """One feed brought up to date in one transaction: `changed` put, `gone` removed, the
        feed's generations recorded. False (nothing done) when another process got there first
        (the recorded generations are no longer `expect`)."""
        with self._write() as db:
            row = db.execute("SELECT idx, body FROM fed WHERE feed=?", (feed_id,)).fetchone()
            if (tuple(row) if row else None) != expect:
                return False
            for aid in gone:
                self._delete(db, aid)
            for doc in changed:
                self._put(db, doc)
            db.execute(
                "INSERT OR REPLACE INTO fed(feed, idx, body) VALUES(?, ?, ?)", (feed_id, *gens)
            )
        return True

    def drop_feeds(self, feed_ids: Iterable[str]) -> None:
        with self._write() as db:
            for fid in feed_ids:
                for (aid,) in db.execute("SELECT aid FROM docs WHERE feed=?", (fid,)).fetchall():
                    self._delete(db, aid)
                db.execute("DELETE FROM fed WHERE feed=?", (fid,))

    @staticmethod
    def _put(db: sqlite3.Connection, doc: Doc) -> None:
        TermIndex._delete(db, doc.aid)
        terms = _clean(" ".join(doc.terms))
        # Row numbers are never used twice (SQLite would give the highest one again after it
        # is deleted): a reader's table of numbers -> articles then only ever grows (search.py).
        high = db.execute(
            "SELECT max(coalesce((SELECT max(n) FROM docs), 0),"
            " coalesce((SELECT v FROM meta WHERE k='high'), 0))"
        ).fetchone()[0]
        n = high + 1
        db.execute("INSERT OR REPLACE INTO meta(k, v) VALUES('high', ?)", (n,))
        db.execute(
            "INSERT INTO docs(n, aid, feed, sig, t, terms, words) VALUES(?,?,?,?,?,?,?)",
            (
                n,
                _clean(doc.aid),
                _clean(doc.feed),
                doc.sig,
                doc.t,
                zlib.compress(terms.encode(), 1),
                zlib.compress(_clean(doc.words).encode(), 1),
            ),
        )
        db.execute("INSERT INTO fts(rowid, terms) VALUES(?, ?)", (n, terms))
        if doc.tags:
            db.executemany(
                "INSERT OR IGNORE INTO tags(tag, n) VALUES(?, ?)",
                [(_clean(tag), n) for tag in doc.tags],
            )

    @staticmethod
    def _delete(db: sqlite3.Connection, aid: str) -> None:
        row = db.execute("SELECT n, terms FROM docs WHERE aid=?", (_clean(aid),)).fetchone()
        if row is None:
            return
        n, terms = row
        # A contentless FTS5 table forgets a row only when told exactly what it held.
        db.execute(
            "INSERT INTO fts(fts, rowid, terms) VALUES('delete', ?, ?)",
            (n, zlib.decompress(terms).decode()),
        )
        db.execute("DELETE FROM tags WHERE n=?", (n,))
        db.execute("DELETE FROM docs WHERE n=?", (n,))

    def count(self) -> int:
        return int(self._read("SELECT count(*) FROM docs")[0][0])

    def feeds(self) -> list[str]:
        """The feeds that have indexed articles (remembered until this process writes or
        syncs: a query asks for them every time, the scan costs 10 ms at 100,000 articles)."""
        feeds = self._feeds
        if feeds is None:
            feeds = self._feeds = [r[0] for r in self._read("SELECT DISTINCT feed FROM docs")]
        return feeds

    # ------------------------------------------------------------------ query

    def run(self, plan: Plan, *, words: bool = False) -> list[tuple[str, str, float, bytes | None]]:
        """(article id, feed id, -published, words) of every article the plan matches, newest
        first (ties on time in no particular order: the caller sorts them by headline);
        `words` (for phrases, `words_of`) is None unless asked for. Fetched at once: 100,000
        rows cost ~40 ms, less than a Python generator per row would."""
        where = self._where(plan)
        if where is None:
            return []
        conds, args = where
        sql = "SELECT d.aid, d.feed, d.t, " + ("d.words" if words else "NULL") + " FROM docs d"
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        sql += " " + _ORDER
        if self.path is None:  # one shared connection: under the lock
            return self._read(sql, args)
        return self._connect().execute(sql, args).fetchall()  # this thread's own connection

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """One consistent view of the index for several statements on this thread (a read
        transaction). Its `file` changes when this object starts a new file (moved aside,
        rebuilt), whose row numbers start again."""
        if self.path is None:
            with self._lock:
                yield Snapshot(self._connect(), (id(self), self._epoch))
            return
        db = self._connect()
        file = (id(self), self._epoch)
        db.execute("BEGIN")
        try:
            yield Snapshot(db, file)
        finally:
            with contextlib.suppress(sqlite3.Error):
                db.execute("COMMIT")

    @staticmethod
    def numbers(snap: Snapshot, plan: Plan) -> list[int]:
        """Row numbers (`docs.n`) of the articles the plan matches, in no order: the cheap form
        of `run` for a caller that maps numbers to articles itself (`all_numbers`). A plain
        word query reads only the FTS index (a join with docs costs 3x as much)."""
        where = TermIndex._where(plan)
        if where is None:
            return []
        conds, args = where
        if len(conds) == 1 and conds[0] == _FTS_COND:
            sql, args = "SELECT rowid FROM fts WHERE fts MATCH ?", args
        else:
            sql = "SELECT d.n FROM docs d" + (" WHERE " + " AND ".join(conds) if conds else "")
        return [r[0] for r in snap.db.execute(sql, args).fetchall()]

    @staticmethod
    def numbers_after(snap: Snapshot, n: int) -> list[tuple[int, str]]:
        """(row number, article id) of the rows numbered above `n`, in number order. A number
        names one article for good (`_put` never gives it again), so a caller's table of
        numbers only needs what came after its highest."""
        return snap.db.execute("SELECT n, aid FROM docs WHERE n > ? ORDER BY n", (n,)).fetchall()

    @staticmethod
    def _where(plan: Plan) -> tuple[list[str], list[object]] | None:
        """The plan as SQL conditions on `docs d` and their arguments; None: matches nothing."""
        where: list[str] = []
        args: list[object] = []
        plain: list[str] = []  # groups with no feed alternative: one FTS match for all
        for alt in plan.all_of:
            expr = alt.match()
            if alt.feeds:
                cond = []
                if expr:
                    cond.append(_FTS_COND)
                    args.append(expr)
                marks = ",".join("?" * len(alt.feeds))
                cond.append(f"d.feed IN ({marks})")
                args.extend(sorted(alt.feeds))
                where.append("(" + " OR ".join(cond) + ")")
            elif expr:
                plain.append("(" + expr + ")")
            else:
                return None  # a group with no alternative matches nothing
        if plain:
            where.insert(0, _FTS_COND)
            args.insert(0, " AND ".join(plain))
        for tag in plan.tags:
            where.append("d.n IN (SELECT n FROM tags WHERE tag=?)")
            args.append(_clean(tag))
        for feeds in plan.feeds:
            if not feeds:
                return None
            where.append(f"d.feed IN ({','.join('?' * len(feeds))})")
            args.extend(sorted(feeds))
        if plan.after is not None:  # t is -published
            where.append("d.t <= ?")
            args.append(-plan.after)
        if plan.before is not None:
            where.append("d.t > ?")
            args.append(-plan.before)
        excluded, excluded_args = TermIndex._exclusions(plan)
        if excluded:
            where.append(f"NOT ({excluded})")
            args.extend(excluded_args)
        return where, args

    def excluded(self, plan: Plan) -> set[str]:
        """Ids of the articles the plan's exclusions (none_of, not_tags, not_feeds) name."""
        cond, args = self._exclusions(plan)
        if not cond:
            return set()
        return {r[0] for r in self._read(f"SELECT d.aid FROM docs d WHERE {cond}", args)}

    @staticmethod
    def _exclusions(plan: Plan) -> tuple[str, list[object]]:
        """One SQL condition true for an article any exclusion names ("" when none does)."""
        conds: list[str] = []
        args: list[object] = []
        expr = " OR ".join(a.match() for a in plan.none_of if a.match())
        if expr:
            conds.append(_FTS_COND)
            args.append(expr)
        feeds = set(plan.not_feeds)
        for alt in plan.none_of:
            feeds |= alt.feeds
        if feeds:
            conds.append(f"d.feed IN ({','.join('?' * len(feeds))})")
            args.extend(sorted(feeds))
        for tag in plan.not_tags:
            conds.append("d.n IN (SELECT n FROM tags WHERE tag=?)")
            args.append(_clean(tag))
        return " OR ".join(conds), args

"""The offline cache: round-trip, upsert, retention, sharding, corruption, schema, merging."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tinydb import TinyDB

from newsreader.config import Retention
from newsreader.models import Article, Enclosure, Feed, article_id_for
from newsreader.store import (
    MANIFEST,
    SCHEMA_VERSION,
    SHARD_DIR,
    Batch,
    LockTimeout,
    SchemaTooNew,
    Store,
    StoreError,
)
from newsreader.store import migrate as store_migrate

NOW = datetime.now(UTC).replace(microsecond=0)
KEEP_ALL = Retention(max_age_days=0, max_count=0)  # 0 disables both limits


def feed(n: int = 1, **kw: object) -> Feed:
    f = Feed.new(f"https://example{n}.org/feed.xml", title=f"Feed {n}")
    for key, value in kw.items():
        setattr(f, key, value)
    return f


def art(f: Feed, n: int, *, hours: float = 0, **kw: object) -> Article:
    a = Article(
        id=article_id_for(f.id, f"guid-{n}"),
        feed_id=f.id,
        guid=f"guid-{n}",
        headline=f"Headline {n}",
        link=f"https://example.org/{n}",
        published=NOW - timedelta(hours=hours or n),
        lead=f"Lead {n}",
        tags=["news", f"t{n}"],
        first_seen=NOW - timedelta(minutes=n),
    )
    for key, value in kw.items():
        setattr(a, key, value)
    return a


def opened(root: Path) -> Store:
    s = Store(root, lock_timeout=5)
    assert s.open() == []
    return s


def files(root: Path) -> dict[str, tuple[int, int]]:
    """Every cache file (relative name) with its inode and mtime: what a commit touched."""
    out = {}
    for p in root.rglob("*"):
        if p.is_file() and p.name != "lock":
            st = p.stat()
            out[str(p.relative_to(root))] = (st.st_ino, st.st_mtime_ns)
    return out


def shard_names(root: Path, fid: str, kind: str) -> list[str]:
    return sorted(p.name for p in (root / SHARD_DIR).glob(f"{fid}.{kind}.*.json"))


def seed(root: Path, feeds: int = 3, per_feed: int = 5) -> tuple[Store, list[Feed], list[Article]]:
    s = opened(root)
    fs = [feed(i) for i in range(1, feeds + 1)]
    arts = [art(f, n) for f in fs for n in range(1, per_feed + 1)]
    s.commit(
        Batch(
            feeds=fs,
            articles=arts,
            bodies={a.id: f"<p>body of {a.headline} in {a.feed_id}</p>" for a in arts},
            retention=lambda _fid: KEEP_ALL,
        )
    )
    return s, fs, arts


# ------------------------------------------------------------------------ basics


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    s = opened(tmp_path)
    f = feed(1, tags=["Tech", "Deutsch"], etag='W/"x"', last_modified="Mon", last_status=200)
    f.last_fetched = NOW
    a = art(f, 1, author="Ann", kicker="Kick", source="Src", tags=["a", "b"])
    a.enclosures = [Enclosure("https://cdn.example.org/a.mp3", "audio/mpeg", 123)]
    b = art(f, 2, headline="اردو خبر \U0001f600 Grüße", lead="lone \ud800 surrogate")
    result = s.commit(
        Batch(
            feeds=[f],
            articles=[a, b],
            bodies={a.id: "<p>Hello</p>", b.id: "<p>مرحبا</p>"},
            read={a.id: True},
            starred={b.id: True},
        )
    )
    assert sorted(result.added) == sorted([a.id, b.id])
    assert result.updated == [] and result.pruned == []
    assert result.generation == 1 == s.generation

    other = opened(tmp_path)
    snap = other.load()
    assert snap.generation == 1
    assert snap.feeds == {f.id: f}
    a.read, b.starred = True, True
    assert snap.articles == {a.id: a, b.id: b}
    assert other.body(f.id, a.id) == "<p>Hello</p>"
    assert other.load_bodies(f.id) == {a.id: "<p>Hello</p>", b.id: "<p>مرحبا</p>"}
    assert other.body(f.id, "nope") == "" and other.body("nofeed", a.id) == ""


def test_every_file_is_a_tinydb_database(tmp_path: Path) -> None:
    s, fs, arts = seed(tmp_path, feeds=1, per_feed=3)
    s.commit(Batch(read={arts[0].id: True}))
    shard = next((tmp_path / SHARD_DIR).glob("*.idx.*.json"))
    with TinyDB(shard, access_mode="r") as db:
        assert sorted(d["id"] for d in db.table("articles").all()) == sorted(a.id for a in arts)
    with TinyDB(tmp_path / MANIFEST, access_mode="r") as db:
        (meta,) = db.table("meta").all()
        assert meta["schema"] == SCHEMA_VERSION and meta["generation"] == 2


def test_empty_store_and_empty_batch_write_nothing(tmp_path: Path) -> None:
    s = opened(tmp_path)
    snap = s.load()
    assert (snap.feeds, snap.articles, snap.generation) == ({}, {}, 0)
    result = s.commit(Batch())
    assert result.generation == 0
    assert not (tmp_path / MANIFEST).exists()


def test_upsert_updates_fields_keeps_state_and_first_seen_no_duplicates(tmp_path: Path) -> None:
    s, (f, *_), arts = seed(tmp_path, feeds=1)
    a = arts[0]
    s.commit(Batch(read={a.id: True}, starred={a.id: True}))
    again = art(f, 1, headline="New headline", lead="New lead", tags=["x"], first_seen=NOW)
    unchanged = art(f, 2)
    result = s.commit(Batch(articles=[again, unchanged, again], bodies={a.id: "<p>new body</p>"}))
    assert result.added == [] and result.updated == [a.id]

    snap = opened(tmp_path).load()
    assert len(snap.articles) == len(arts)
    got = snap.articles[a.id]
    assert (got.headline, got.lead, got.tags) == ("New headline", "New lead", ["x"])
    assert got.read and got.starred
    assert got.first_seen == a.first_seen != again.first_seen
    assert s.body(f.id, a.id) == "<p>new body</p>"
    (idx,) = (tmp_path / SHARD_DIR).glob("*.idx.*.json")
    ids = [d["id"] for d in json.loads(idx.read_text())["articles"].values()]
    assert len(ids) == len(set(ids)) == len(arts)


def test_unchanged_refresh_rewrites_no_article_shard(tmp_path: Path) -> None:
    s, fs, arts = seed(tmp_path, feeds=1)
    before = files(tmp_path)
    fs[0].last_fetched = NOW
    s.commit(Batch(feeds=fs, articles=[art(fs[0], n) for n in range(1, 6)]))
    changed = {k for k in files(tmp_path).keys() ^ before.keys()}
    assert all(not k.startswith(SHARD_DIR) for k in changed), changed


def test_state_for_unknown_or_pruned_article_is_ignored(tmp_path: Path) -> None:
    s, _, _ = seed(tmp_path, feeds=1)
    result = s.commit(Batch(read={"doesnotexist": True}, starred={"nope": True}))
    assert result.generation == 2
    assert not list((tmp_path / SHARD_DIR).glob("*.state.*"))


def test_unread_again_drops_the_state_entry(tmp_path: Path) -> None:
    s, (f, *_), arts = seed(tmp_path, feeds=1)
    s.commit(Batch(read={arts[0].id: True}))
    assert shard_names(tmp_path, f.id, "state")
    s.commit(Batch(read={arts[0].id: False}))
    assert shard_names(tmp_path, f.id, "state") == []
    assert not opened(tmp_path).load().articles[arts[0].id].read


def test_articles_of_an_unknown_feed_are_ignored(tmp_path: Path) -> None:
    s = opened(tmp_path)
    stray = art(feed(9), 1)
    result = s.commit(Batch(articles=[stray], bodies={stray.id: "x"}))
    assert result.added == []
    assert s.load().articles == {}


def test_invalid_feed_id_is_refused(tmp_path: Path) -> None:
    s = opened(tmp_path)
    with pytest.raises(StoreError, match="invalid feed id"):
        s.commit(Batch(feeds=[Feed(id="../etc", url="https://x.org")]))


# ------------------------------------------------------------------------ sharding


def test_mark_read_writes_only_that_state_shard_and_the_manifest(tmp_path: Path) -> None:
    s, fs, arts = seed(tmp_path, feeds=3)
    s.commit(Batch(starred={arts[-1].id: True}))  # another feed already has a state shard
    before = files(tmp_path)
    target = arts[0]
    s.commit(Batch(read={target.id: True}))
    after = files(tmp_path)
    written = {k for k in after if before.get(k) != after[k]}
    gone = before.keys() - after.keys()
    assert written == {MANIFEST, f"{SHARD_DIR}/{target.feed_id}.state.3.json"}
    assert gone == set()  # the feed had no state shard before
    for name, key in before.items():
        untouched = ".body." in name or ".idx." in name
        untouched = untouched or not name.startswith(f"{SHARD_DIR}/{fs[0].id}")
        if untouched and name != MANIFEST:
            assert after[name] == key, name

    before = after
    s.commit(Batch(read={arts[1].id: True}, starred={target.id: True}))
    after = files(tmp_path)
    written = {k for k in after if before.get(k) != after[k]}
    assert written == {MANIFEST, f"{SHARD_DIR}/{target.feed_id}.state.4.json"}
    assert before.keys() - after.keys() == {f"{SHARD_DIR}/{target.feed_id}.state.3.json"}


def test_remove_feed_removes_its_shards_and_articles(tmp_path: Path) -> None:
    s, fs, arts = seed(tmp_path, feeds=2)
    gone, kept = fs
    s.commit(Batch(read={arts[0].id: True}))
    assert shard_names(tmp_path, gone.id, "state")
    s.commit(Batch(removed_feeds=[gone.id]))
    assert list((tmp_path / SHARD_DIR).glob(f"{gone.id}.*")) == []
    snap = opened(tmp_path).load()
    assert list(snap.feeds) == [kept.id]
    assert {a.feed_id for a in snap.articles.values()} == {kept.id}
    assert len(snap.articles) == 5
    # A later state change or refresh for the removed feed does not resurrect it.
    s.commit(Batch(read={arts[1].id: True}, articles=[art(gone, 9)]))
    assert list(opened(tmp_path).load().feeds) == [kept.id]


# ------------------------------------------------------------------------ retention


def test_retention_by_count_keeps_newest_starred_and_in_batch(tmp_path: Path) -> None:
    s = opened(tmp_path)
    f = feed(1)
    old = [art(f, n, hours=100 + n) for n in range(1, 11)]  # 10 older articles
    s.commit(Batch(feeds=[f], articles=old, bodies={a.id: "b" for a in old}, retention=None))
    s.commit(Batch(starred={old[-1].id: True}, read={old[2].id: True, old[1].id: True}))
    new = [art(f, n, hours=n - 20) for n in range(20, 23)]  # 3 new, the newest
    in_batch_old = art(f, 9, hours=109)  # still in the feed's document
    result = s.commit(
        Batch(
            articles=[*new, in_batch_old],
            retention=lambda fid: Retention(max_age_days=0, max_count=5),
        )
    )
    # Newest 5 by published: 3 new + old 1, 2. Kept anyway: old 10 (starred), old 9 (in batch).
    keep = {a.id for a in new} | {old[0].id, old[1].id, old[-1].id, old[8].id}
    assert set(result.pruned) == {a.id for a in old} - keep
    assert sorted(result.added) == sorted(a.id for a in new)
    snap = opened(tmp_path).load()
    assert set(snap.articles) == keep
    assert set(s.load_bodies(f.id)) == keep - {a.id for a in new}
    state = next((tmp_path / SHARD_DIR).glob("*.state.*.json")).read_text()
    assert old[2].id not in state  # the pruned read mark went with its article
    assert snap.articles[old[-1].id].starred and snap.articles[old[1].id].read


def test_retention_by_age_and_default_rule(tmp_path: Path) -> None:
    s = opened(tmp_path)
    f = feed(1)
    ancient = art(f, 1, hours=24 * 400)
    recent = art(f, 2, hours=24 * 10)
    s.commit(Batch(feeds=[f], articles=[ancient, recent], retention=lambda _f: KEEP_ALL))
    s.commit(Batch(starred={ancient.id: True}))
    older = art(f, 3, hours=24 * 40)
    result = s.commit(Batch(articles=[art(f, 4, hours=1)], retention=lambda _f: Retention(30, 100)))
    assert result.pruned == []  # the only old one is starred
    s.commit(Batch(articles=[older], retention=lambda _f: KEEP_ALL))
    s.commit(Batch(starred={ancient.id: False}))
    result = s.commit(Batch(articles=[art(f, 5, hours=1)]))  # default: 90 days, 500
    assert result.pruned == [ancient.id]
    result = s.commit(Batch(articles=[art(f, 6, hours=1)], retention=lambda _f: Retention(30, 100)))
    assert result.pruned == [older.id]
    assert set(opened(tmp_path).load().articles) == {
        recent.id,
        *(art(f, n).id for n in (4, 5, 6)),
    }


def test_retention_only_touches_feeds_in_the_batch(tmp_path: Path) -> None:
    s, fs, arts = seed(tmp_path, feeds=2, per_feed=5)
    one = Retention(max_age_days=0, max_count=1)
    s.commit(Batch(read={art(fs[1], 5).id: True}, retention=lambda _f: one))  # no articles
    result = s.commit(Batch(articles=[art(fs[0], 1)], retention=lambda _f: one))
    assert sorted(result.pruned) == sorted(art(fs[0], n).id for n in range(2, 6))
    snap = s.load()
    assert {a.id for a in snap.articles.values() if a.feed_id == fs[0].id} == {art(fs[0], 1).id}
    assert sum(a.feed_id == fs[1].id for a in snap.articles.values()) == 5


# ------------------------------------------------------------------------ corruption


def corrupt_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".corrupt-" in p.name)


@pytest.mark.parametrize("damage", ["garbage", "zero", "truncated", "wrong-shape"])
def test_corrupt_manifest_moved_aside_and_feeds_recovered(tmp_path: Path, damage: str) -> None:
    s, fs, arts = seed(tmp_path, feeds=2)
    s.commit(Batch(read={arts[0].id: True}))
    path = tmp_path / MANIFEST
    raw = path.read_bytes()
    path.write_bytes(
        {
            "garbage": b"\x00\xffnot json",
            "zero": b"",
            "truncated": raw[: len(raw) // 2],
            "wrong-shape": b'{"meta": {"1": {"schema": 1}}}',
        }[damage]
    )
    fresh = Store(tmp_path)
    warnings = fresh.open()
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert "manifest" in warnings[0] and "moved aside" in warnings[0]
    assert corrupt_names(tmp_path) == [n for n in corrupt_names(tmp_path) if "manifest" in n]
    assert len(corrupt_names(tmp_path)) == 1
    snap = fresh.load()
    assert set(snap.feeds) == {f.id for f in fs}
    assert set(snap.articles) == {a.id for a in arts}
    assert snap.articles[arts[0].id].read
    assert fresh.body(arts[0].feed_id, arts[0].id).startswith("<p>body of")
    assert Store(tmp_path).open() == []  # repaired for good


def test_corrupt_manifest_without_any_feeds_file_opens_empty(tmp_path: Path) -> None:
    (tmp_path / MANIFEST).write_text("{not json")
    s = Store(tmp_path)
    warnings = s.open()
    assert len(warnings) == 1 and "recovered 0 feeds" in warnings[0]
    assert s.load().articles == {}
    s.commit(Batch(feeds=[feed(1)]))
    assert list(opened(tmp_path).load().feeds) == [feed(1).id]


@pytest.mark.parametrize("kind", ["idx", "state", "body"])
@pytest.mark.parametrize("damage", ["garbage", "zero", "truncated"])
def test_corrupt_shard_moved_aside_rest_opens(tmp_path: Path, kind: str, damage: str) -> None:
    s, fs, arts = seed(tmp_path, feeds=2)
    s.commit(Batch(read={a.id: True for a in arts}))
    bad, good = fs
    (path,) = (tmp_path / SHARD_DIR).glob(f"{bad.id}.{kind}.*.json")
    raw = path.read_bytes()
    path.write_bytes({"garbage": b"]]]", "zero": b"", "truncated": raw[: len(raw) - 7]}[damage])

    fresh = Store(tmp_path)
    warnings = fresh.open()
    assert len(warnings) == 1 and "\n" not in warnings[0], warnings
    assert "Feed 1" in warnings[0] and "moved aside" in warnings[0]
    assert corrupt_names(tmp_path / SHARD_DIR) == [
        n for n in corrupt_names(tmp_path / SHARD_DIR) if n.startswith(f"{bad.id}.{kind}.")
    ]
    assert len(corrupt_names(tmp_path / SHARD_DIR)) == 1
    snap = fresh.load()
    assert set(snap.feeds) == {bad.id, good.id}
    good_ids = {a.id for a in arts if a.feed_id == good.id}
    bad_ids = {a.id for a in arts if a.feed_id == bad.id}
    assert good_ids <= set(snap.articles)
    assert all(snap.articles[i].read for i in good_ids)
    assert fresh.load_bodies(good.id).keys() == good_ids
    if kind == "idx":
        assert not bad_ids & set(snap.articles)
    elif kind == "state":
        assert bad_ids <= set(snap.articles)
        assert not any(snap.articles[i].read for i in bad_ids)
    else:
        assert all(snap.articles[i].read for i in bad_ids)
        assert fresh.load_bodies(bad.id) == {}
    assert Store(tmp_path).open() == []
    # The feed keeps working: a refresh brings the articles back, with their marks if kept.
    fresh.commit(Batch(articles=[a for a in arts if a.feed_id == bad.id]))
    assert bad_ids <= set(opened(tmp_path).load().articles)


def test_corrupt_feeds_file_rebuilt_from_manifest(tmp_path: Path) -> None:
    s, fs, arts = seed(tmp_path, feeds=2)
    (path,) = tmp_path.glob("feeds.*.json")
    path.write_text("")
    fresh = Store(tmp_path)
    warnings = fresh.open()
    assert len(warnings) == 1 and "feed list" in warnings[0]
    snap = fresh.load()
    assert {f.id: f.url for f in snap.feeds.values()} == {f.id: f.url for f in fs}
    assert len(snap.articles) == len(arts)


def test_body_shard_bad_inside_found_later_is_moved_aside(tmp_path: Path) -> None:
    s, fs, arts = seed(tmp_path, feeds=1)
    (path,) = (tmp_path / SHARD_DIR).glob("*.body.*.json")
    path.write_text('{"bodies": {"1": {"id": 3}}}')  # looks whole, is not ours
    fresh = Store(tmp_path)
    assert fresh.open() == []
    fresh.load()
    assert fresh.body(fs[0].id, arts[0].id) == ""
    assert len(fresh.warnings) == 1 and "moved aside" in fresh.warnings[0]
    assert not path.exists()
    again = Store(tmp_path)
    warnings = again.open()
    assert len(warnings) == 1 and "missing" in warnings[0]
    assert Store(tmp_path).open() == []
    assert len(again.load().articles) == len(arts)


def test_stray_temp_and_unreferenced_files_are_cleaned(tmp_path: Path) -> None:
    s, (f, *_), arts = seed(tmp_path, feeds=1)
    strays = [
        tmp_path / ".tmp-manifest.json.123.abcd",
        tmp_path / SHARD_DIR / f".tmp-{f.id}.idx.9.json.1.ff",
        tmp_path / SHARD_DIR / f"{f.id}.idx.9.json",  # from a commit that never happened
        tmp_path / SHARD_DIR / "deadbeef0000.body.7.json",
        tmp_path / "feeds.99.json",
    ]
    kept = [tmp_path / "notes.txt", tmp_path / SHARD_DIR / f"{f.id}.idx.1.json.corrupt-x"]
    for p in strays + kept:
        p.write_text("{}")
    fresh = Store(tmp_path)
    assert fresh.open() == []
    assert [p for p in strays if p.exists()] == []
    assert all(p.exists() for p in kept)
    assert len(fresh.load().articles) == len(arts)


# ------------------------------------------------------------------------ schema


def test_newer_schema_is_refused_and_nothing_touched(tmp_path: Path) -> None:
    seed(tmp_path, feeds=1)
    path = tmp_path / MANIFEST
    data = json.loads(path.read_text())
    data["meta"]["1"]["schema"] = SCHEMA_VERSION + 1
    data["meta"]["1"]["shards"] = "a format we do not know"
    path.write_text(json.dumps(data))
    stray = tmp_path / ".tmp-x"
    stray.write_text("")
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.rglob("*.*")}
    listing = sorted(str(p) for p in tmp_path.rglob("*"))
    with pytest.raises(SchemaTooNew) as info:
        Store(tmp_path).open()
    msg = str(info.value)
    assert "\n" not in msg and f"schema {SCHEMA_VERSION + 1}" in msg and "upgrade" in msg
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.rglob("*.*")}
    assert after == before
    assert sorted(str(p) for p in tmp_path.rglob("*")) == listing


def test_commit_refuses_a_cache_upgraded_meanwhile(tmp_path: Path) -> None:
    s, fs, arts = seed(tmp_path, feeds=1)
    path = tmp_path / MANIFEST
    data = json.loads(path.read_text())
    data["meta"]["1"]["schema"] = SCHEMA_VERSION + 1
    path.write_text(json.dumps(data))
    with pytest.raises(SchemaTooNew):
        s.commit(Batch(read={arts[0].id: True}))
    assert s.disk_generation() == -1


def write_v0(root: Path, feeds: list[Feed], arts: list[Article], state: dict) -> None:
    """The schema-0 layout: one TinyDB file, full articles with body and state inline."""
    with TinyDB(root / "cache.json") as db:
        db.table("feeds").insert_multiple(f.to_dict() for f in feeds)
        docs = []
        for a in arts:
            d = a.index_dict()
            d.update(
                body=f"<p>{a.headline}</p>",
                read=state.get(a.id, (0, 0))[0],
                starred=state.get(a.id, (0, 0))[1],
            )
            docs.append(d)
        docs.append({"id": "broken"})  # a damaged record is skipped, not fatal
        db.table("articles").insert_multiple(docs)


def test_older_schema_is_migrated(tmp_path: Path) -> None:
    fs = [feed(1), feed(2)]
    arts = [art(f, n) for f in fs for n in range(1, 4)]
    state = {arts[0].id: (True, False), arts[4].id: (True, True)}
    write_v0(tmp_path, fs, arts, state)
    s = Store(tmp_path)
    warnings = s.open()
    assert len(warnings) == 1
    assert "schema 0 to 1" in warnings[0] and "2 feeds, 6 articles" in warnings[0]
    assert "1 unreadable records skipped" in warnings[0] and "cache.json.v0-backup" in warnings[0]
    assert not (tmp_path / "cache.json").exists()
    assert (tmp_path / "cache.json.v0-backup").exists()
    snap = s.load()
    assert snap.feeds == {f.id: f for f in fs}
    assert set(snap.articles) == {a.id for a in arts}
    for a in arts:
        got = snap.articles[a.id]
        assert (got.read, got.starred) == tuple(map(bool, state.get(a.id, (0, 0))))
        assert got.headline == a.headline and got.first_seen == a.first_seen
        assert s.body(a.feed_id, a.id) == f"<p>{a.headline}</p>"
    assert Store(tmp_path).open() == []  # migrated once


def test_interrupted_migration_runs_again(tmp_path: Path) -> None:
    fs = [feed(1)]
    arts = [art(fs[0], 1)]
    write_v0(tmp_path, fs, arts, {})
    # What a kill before the manifest rename leaves: new-layout files, no manifest.
    (tmp_path / SHARD_DIR).mkdir()
    (tmp_path / SHARD_DIR / f"{fs[0].id}.idx.1.json").write_text("{half")
    s = Store(tmp_path)
    assert "migrated" in s.open()[0]
    assert set(s.load().articles) == {arts[0].id}


def test_unreadable_v0_file_is_moved_aside(tmp_path: Path) -> None:
    (tmp_path / "cache.json").write_text("{broken")
    s = Store(tmp_path)
    (warning,) = s.open()
    assert "unreadable" in warning and "starting empty" in warning
    assert s.load().feeds == {}
    assert corrupt_names(tmp_path) and corrupt_names(tmp_path)[0].startswith("cache.json")


def test_missing_migration_step_is_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_v0(tmp_path, [feed(1)], [], {})
    monkeypatch.setattr(store_migrate, "MIGRATIONS", {})
    with pytest.raises(StoreError, match=r"cannot upgrade the cache .* from schema 0$"):
        Store(tmp_path).open()


# ------------------------------------------------------------------------ sharing


def test_concurrent_commits_merge_state_and_refresh(tmp_path: Path) -> None:
    a_store, fs, arts = seed(tmp_path, feeds=2)
    a_store.load()
    b_store = opened(tmp_path)
    b_store.load()
    f = fs[0]
    updated = art(f, 1, headline="updated by B")
    new = art(f, 9)
    b_store.commit(Batch(articles=[updated, new], bodies={new.id: "<p>new</p>"}))
    b_store.commit(Batch(starred={arts[2].id: True}))
    assert a_store.disk_generation() == 3 != a_store.generation

    result = a_store.commit(Batch(read={arts[0].id: True, new.id: True}))
    assert result.generation == 4
    snap = opened(tmp_path).load()
    assert snap.articles[arts[0].id].read and snap.articles[arts[0].id].headline == "updated by B"
    assert snap.articles[new.id].read  # known to A only through the files on disk
    assert snap.articles[arts[2].id].starred
    assert a_store.body(f.id, new.id) == "<p>new</p>"


def test_feed_rows_merge_three_way(tmp_path: Path) -> None:
    a_store, fs, _ = seed(tmp_path, feeds=1)
    a_view = a_store.load().feeds[fs[0].id]
    b_store = opened(tmp_path)
    b_view = b_store.load().feeds[fs[0].id]
    b_view.tags = ["tagged", "by B"]
    b_store.commit(Batch(feeds=[b_view]))
    a_view.last_fetched = NOW
    a_view.etag = "new-etag"
    a_store.commit(Batch(feeds=[a_view]))
    got = opened(tmp_path).load().feeds[fs[0].id]
    assert got.tags == ["tagged", "by B"]
    assert (got.etag, got.last_fetched) == ("new-etag", NOW)


def test_feed_removed_by_another_process_is_not_brought_back(tmp_path: Path) -> None:
    a_store, fs, arts = seed(tmp_path, feeds=2)
    a_store.load()
    b_store = opened(tmp_path)
    b_store.load()
    b_store.commit(Batch(removed_feeds=[fs[0].id]))
    fs[0].last_fetched = NOW
    a_store.commit(Batch(feeds=fs, articles=[art(fs[0], 7), art(fs[1], 7)]))
    snap = opened(tmp_path).load()
    assert set(snap.feeds) == {fs[1].id}
    assert art(fs[1], 7).id in snap.articles and art(fs[0], 7).id not in snap.articles
    assert list((tmp_path / SHARD_DIR).glob(f"{fs[0].id}.*")) == []


def test_reader_survives_files_superseded_under_it(tmp_path: Path) -> None:
    a_store, fs, arts = seed(tmp_path, feeds=1)
    a_store.load()
    b_store = opened(tmp_path)
    b_store.commit(Batch(bodies={arts[0].id: "<p>v2</p>"}))  # the body file A knows is gone
    assert a_store.body(fs[0].id, arts[0].id) == "<p>v2</p>"
    b_store.commit(Batch(articles=[art(fs[0], 8)]))
    snap = a_store.load()
    assert snap.generation == 3 == a_store.generation and len(snap.articles) == 6


def test_lock_timeout_is_one_line_and_lock_is_released(tmp_path: Path) -> None:
    s, fs, arts = seed(tmp_path, feeds=1)
    s.lock_timeout = 0.3
    fd = os.open(tmp_path / "lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        started = time.monotonic()
        with pytest.raises(LockTimeout) as info:
            s.commit(Batch(read={arts[0].id: True}))
        assert 0.25 < time.monotonic() - started < 3
        assert "\n" not in str(info.value) and "locked by another" in str(info.value)
    finally:
        os.close(fd)
    s.commit(Batch(read={arts[0].id: True}))
    # Not held between commits. The waiter that gave up is still blocked in flock() and takes
    # the lock once it is free, only to give it back at once (lock.py): under load that moment
    # can fall just after the commit above, so a lock held for good is what fails here.
    fd = os.open(tmp_path / "lock", os.O_RDWR)
    deadline = time.monotonic() + 3
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                assert time.monotonic() < deadline, "the lock is still held after the commit"
                time.sleep(0.01)
    finally:
        os.close(fd)


def test_disk_generation_follows_other_writers(tmp_path: Path) -> None:
    a_store, fs, arts = seed(tmp_path, feeds=1)
    assert a_store.disk_generation() == 1 == a_store.generation
    opened(tmp_path).commit(Batch(read={arts[0].id: True}))
    assert a_store.disk_generation() == 2
    assert a_store.load().generation == 2 == a_store.generation


def test_full_disk_is_one_line_error_and_commits_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s, fs, arts = seed(tmp_path, feeds=1)
    before = files(tmp_path)

    def no_space(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", no_space)
    with pytest.raises(StoreError) as info:
        s.commit(Batch(read={arts[0].id: True}, articles=[art(fs[0], 9)]))
    assert str(info.value) == f"cannot write the cache in {tmp_path}: No space left on device"
    monkeypatch.undo()
    assert files(tmp_path) == before  # no temp file left, manifest unchanged
    snap = opened(tmp_path).load()
    assert snap.generation == 1 and not snap.articles[arts[0].id].read
    s.commit(Batch(read={arts[0].id: True}))
    assert opened(tmp_path).load().articles[arts[0].id].read


def test_a_commit_deletes_exactly_the_files_it_replaced(tmp_path: Path) -> None:
    """Per commit only what it superseded goes (no folder scan); a stray file waits for the next
    open's sweep, which still removes it."""
    s, (f1, f2, _f3), arts = seed(tmp_path, feeds=3)
    shards = tmp_path / SHARD_DIR
    target = next(a for a in arts if a.feed_id == f1.id)
    s.commit(Batch(read={target.id: True}))  # f1 has a state shard now
    before = {p.name for p in shards.iterdir()}
    stray = shards / "deadbeef0000.body.7.json"
    stray.write_text("{}")
    s.commit(Batch(starred={target.id: True}))
    after = {p.name for p in shards.iterdir()} - {stray.name}
    replaced, written = before - after, after - before
    assert len(replaced) == 1 and len(written) == 1  # f1's state shard, old and new
    assert next(iter(replaced)).startswith(f1.id) and ".state." in next(iter(replaced))
    assert all(name in after for name in before if name.startswith(f2.id))
    assert stray.exists()
    assert Store(tmp_path).open() == [] and not stray.exists()

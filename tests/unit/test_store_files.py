"""Shard files are written without TinyDB's per-document machinery and encoded by orjson:
the files must stay what TinyDB itself writes and reads, and decode to the same documents."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from tinydb import TinyDB

from newsreader.models import Article, utcnow
from newsreader.store.files import AtomicJSONStorage, _dumps, _loads, _read_table, _write_table


def _docs() -> list[dict]:
    now = utcnow()
    arts = [
        Article(
            id=f"id{i}",
            feed_id="feed",
            guid=f"g{i}",
            headline=f'Schlagzeile {i} \u00e4\u00f6\u00fc \u2028 \U0001f600 "quoted" <b>&amp;',
            link=f"https://example.org/{i}?a=1&b=2",
            published=now,
            tags=["Ausland", "Naher Osten"],
        )
        for i in range(30)
    ]
    docs = [a.index_dict() for a in arts]
    docs.append({"id": "odd", "x": 1e-7, "y": 1e16, "z": -0.0, "n": None, "big": 2**63 - 1})
    return docs


def test_a_table_file_is_byte_for_byte_what_tinydb_writes(tmp_path: Path) -> None:
    docs = _docs()[:-1]  # TinyDB's json prints 1e-07 where orjson prints 1e-7: same number
    ours, theirs = tmp_path / "ours.json", tmp_path / "theirs.json"
    _write_table(ours, "idx", docs)
    with TinyDB(theirs, storage=AtomicJSONStorage, sync_dir=False) as db:
        db.table("idx", cache_size=0).insert_multiple(docs)
    assert ours.read_bytes() == theirs.read_bytes()
    with TinyDB(ours, storage=AtomicJSONStorage) as db:  # and TinyDB reads ours
        assert [dict(d) for d in db.table("idx").all()] == docs


def test_encoding_round_trips_every_value(tmp_path: Path) -> None:
    docs = _docs()
    path = tmp_path / "t.json"
    _write_table(path, "idx", docs)
    assert _read_table(path, "idx") == docs
    assert json.loads(path.read_bytes()) == {"idx": {str(i): d for i, d in enumerate(docs, 1)}}


@pytest.mark.parametrize(
    "value",
    ["lone \ud800 surrogate", 2**70, {1: "int key"}],
    ids=["surrogate", "bigint", "int-key"],
)
def test_what_orjson_refuses_is_written_by_json(value: object) -> None:
    raw = _dumps({"t": {"1": {"v": value}}})
    back = _loads(raw)["t"]["1"]["v"]
    assert back == (value if not isinstance(value, dict) else {"1": "int key"})


def test_a_non_finite_number_becomes_null_and_loads_as_a_default() -> None:
    """orjson writes NaN and infinities as null (json wrote the non-standard `NaN`). Nothing we
    store can be one (times come from datetimes, counts are ints); were one there, the article
    would load with its default, not fail."""
    raw = _dumps({"t": {"1": {"v": math.inf}}})
    assert _loads(raw)["t"]["1"]["v"] is None
    doc = _docs()[0] | {"published": math.nan, "first_seen": math.inf}
    art = Article.from_index_dict(_loads(_dumps(doc)))
    assert art.published.timestamp() == 0.0 and art.headline == doc["headline"]

"""Shared fixtures: a loopback feed server, private data/config dirs, the real-feed corpus."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from feedserver import FeedServer
from newsreader.paths import CONFIG_DIR_ENV, DATA_DIR_ENV
from shared_paths import REALFEEDS  # noqa: E402


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A fresh FeedServer on 127.0.0.1 for each test, stopped (stalls released) afterwards."""
    with FeedServer() as server:
        yield server
    assert not server.errors, f"feed server handlers raised: {server.errors!r}"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data dir (returned) and config dir, both set in the environment."""
    data = tmp_path / "data"
    config = tmp_path / "config"
    data.mkdir()
    config.mkdir()
    monkeypatch.setenv(DATA_DIR_ENV, str(data))
    monkeypatch.setenv(CONFIG_DIR_ENV, str(config))
    return data


@pytest.fixture
def realfeeds() -> Path:
    """The shared real-world feed corpus; the test is skipped when it is not there."""
    if not REALFEEDS.is_dir():
        pytest.skip(f"real feeds not found at {REALFEEDS}")
    return REALFEEDS

"""Shared fixtures: a loopback feed server, private data/config dirs, the real-feed corpus."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from feedserver import FeedServer
from newsreader.paths import CONFIG_DIR_ENV, DATA_DIR_ENV
from shared_paths import REALFEEDS  # noqa: E402
from ui_fixtures import build_demo_cache, copy_cache

# The suite reads English whatever the machine's locale (child processes too); the German tests
# ask for German themselves.
os.environ["LANGUAGE"] = "en"


@pytest.fixture(autouse=True)
def english_after_each_test() -> Iterator[None]:
    from newsreader import i18n

    yield
    i18n.set_language("en")


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


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (`pytest.mark.anyio`) run on asyncio, as Textual does."""
    return "asyncio"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo feeds ingested once per session (fixed fetch times); copy it, never change it."""
    target = tmp_path_factory.mktemp("demo-template") / "data"
    build_demo_cache(target)
    return target


@pytest.fixture
def data(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo cache."""
    return copy_cache(demo_template, tmp_path / "data")

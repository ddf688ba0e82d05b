"""Where the workplace's shared test data lives (used from there, never copied in)."""

from __future__ import annotations

import os
from pathlib import Path


def shared_dir(name: str) -> Path:
    """`../shared/<name>` next to the repo, else /work/shared/<name> (a clone elsewhere)."""
    candidates = [
        os.environ.get("NEWSREADER_SHARED_DIR", ""),
        str(Path(__file__).resolve().parents[2] / "shared"),
        "/work/shared",
    ]
    for base in candidates:
        if base and (Path(base) / name).is_dir():
            return Path(base) / name
    return Path(__file__).resolve().parents[2] / "shared" / name


REALFEEDS = shared_dir("realfeeds")
REALNEWS = shared_dir("realnews") / "2024-12-21-de"

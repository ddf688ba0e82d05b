"""Where newsreader keeps its data and its config (platformdirs, with overrides)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "newsreader"
DATA_DIR_ENV = "NEWSREADER_DATA_DIR"
CONFIG_DIR_ENV = "NEWSREADER_CONFIG_DIR"


@dataclass(frozen=True, slots=True)
class Dirs:
    data: Path
    config: Path

    @property
    def config_file(self) -> Path:
        return self.config / "config.toml"


def resolve_dirs(data_dir: str | os.PathLike[str] | None = None) -> Dirs:
    """`--data-dir` beats `NEWSREADER_DATA_DIR` beats the platform's user data dir."""
    data = data_dir or os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir(APP_NAME)
    config = os.environ.get(CONFIG_DIR_ENV) or platformdirs.user_config_dir(APP_NAME)
    return Dirs(data=Path(data).expanduser(), config=Path(config).expanduser())

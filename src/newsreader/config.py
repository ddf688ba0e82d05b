"""User settings from `config.toml` in the config dir; every value has a sensible default."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from newsreader.i18n import N_


class ConfigError(Exception):
    """The config file cannot be read; the message is one line for the user."""


@dataclass(slots=True)
class Retention:
    max_age_days: float = 90.0  # articles published longer ago are pruned (0: never)
    max_count: int = 500  # newest articles kept per feed (0: no limit)

    def merged(self, overrides: dict[str, Any]) -> Retention:
        return Retention(
            max_age_days=float(overrides.get("max_age_days", self.max_age_days)),
            max_count=int(overrides.get("max_count", self.max_count)),
        )


@dataclass(slots=True)
class UiSettings:
    refresh_on_start: bool = True
    refresh_minutes: float = 30.0  # background refresh interval while open; 0: never
    read_delay: float = 1.5  # seconds an article is shown before it counts as read; < 0: never
    unread_only: bool = False  # the headline list starts with only unread articles
    fold_copies: bool = True  # copies of one article (same link or headline) share one row
    fold_stories: bool = False  # ... and so do other feeds' reports of the same story
    language: str = ""  # "de" or "en"; empty: from the locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG)
    open_limit: int = 10  # links O opens at once (the unread of the list, in order)


@dataclass(slots=True)
class FullTextSettings:
    """`[full_text]`: fetch article pages for teaser-only feeds (ingest/fulltext.py)."""

    default: str = "never"  # "auto" | "always" | "never": like Miniflux, only when asked for
    feeds: dict[str, str] = field(default_factory=dict)  # feed id or URL -> its mode
    max_pages: int = 300  # pages one refresh fetches at most; the next refresh takes the rest


FULL_TEXT_MODES = ("auto", "always", "never")


@dataclass(slots=True)
class HookSettings:
    """`[hooks]`: commands run on events (hooks.py)."""

    new_articles: str = ""  # after a refresh with new articles: count, titles, JSON on stdin


@dataclass(slots=True)
class ImageSettings:
    """`[images]`: article images kept for offline reading (ingest/images.py) and shown."""

    fetch: str = "full_text"  # "full_text" (articles whose page is fetched) | "always" | "never"
    # "auto": inline where the terminal has graphics (kitty, Sixel), else a placeholder line;
    # "blocks": coloured half blocks on any terminal; "off": always the placeholder line.
    show: str = "auto"
    max_per_article: int = 8
    max_total_mb: float = 200.0  # the image folder's budget; oldest pruned first


IMAGE_FETCH_MODES = ("full_text", "always", "never")
IMAGE_SHOW_MODES = ("auto", "blocks", "off")


@dataclass(slots=True)
class Settings:
    concurrency: int = 8  # requests at once
    per_host: int = 2  # requests at once to one host
    timeout: float = 30.0  # total deadline per feed, seconds
    # A whole refresh, seconds: feeds still waiting or downloading then fail; 0: no limit.
    refresh_budget: float = 120.0
    max_body_bytes: int = 15 * 1024 * 1024  # decompressed, counted while streaming
    parse_timeout: float = 20.0  # per feed, seconds
    parse_workers: int = 0  # 0: one per core
    retention: Retention = field(default_factory=Retention)
    feed_retention: dict[str, dict[str, Any]] = field(default_factory=dict)  # by feed id or url
    ui: UiSettings = field(default_factory=UiSettings)
    full_text: FullTextSettings = field(default_factory=FullTextSettings)
    images: ImageSettings = field(default_factory=ImageSettings)
    players: dict[str, str] = field(default_factory=dict)  # media type pattern -> command
    keys: dict[str, str] = field(default_factory=dict)  # binding id -> keys, e.g. star = "s,*"
    queries: dict[str, str] = field(default_factory=dict)  # saved searches: name -> query
    hooks: HookSettings = field(default_factory=HookSettings)
    openers: dict[str, str] = field(default_factory=dict)  # link pattern (regex) -> command
    filters: list[dict[str, Any]] = field(default_factory=list)  # [[filters]]: query, action

    def retention_for(self, feed_id: str, url: str = "") -> Retention:
        override = self.feed_retention.get(feed_id) or self.feed_retention.get(url)
        return self.retention.merged(override) if override else self.retention


_SIMPLE = {f.name for f in fields(Settings)} - {
    "retention",
    "feed_retention",
    "ui",
    "keys",
    "full_text",
    "images",
    "players",
    "queries",
    "hooks",
    "openers",
    "filters",
}
_UI = {f.name for f in fields(UiSettings)}


def load_settings(path: Path | None) -> Settings:
    """Read `[refresh]`, `[retention]`, `[ui]`, `[full_text]`, `[images]`, `[players]`,
    `[queries]`, `[hooks]`, `[openers]`, `[[filters]]` and `[keys]` from the config
    file, if any."""
    settings = Settings()
    if path is None or not path.exists():
        return settings
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            N_("cannot read config {path}: {exc}").format(path=path, exc=exc)
        ) from None
    try:
        for key, value in data.get("refresh", {}).items():
            if key in _SIMPLE:
                default = getattr(settings, key)
                setattr(settings, key, type(default)(value))
        retention = dict(data.get("retention", {}))
        per_feed = retention.pop("feeds", {})
        settings.retention = settings.retention.merged(retention)
        settings.feed_retention = {str(k): dict(v) for k, v in per_feed.items()}
        for key, value in data.get("ui", {}).items():
            if key in _UI:
                default = getattr(settings.ui, key)
                setattr(settings.ui, key, type(default)(value))
        full_text = dict(data.get("full_text", {}))
        settings.full_text.default = _mode(full_text.pop("default", "never"))
        settings.full_text.max_pages = int(full_text.pop("max_pages", 300))
        settings.full_text.feeds = {str(k): _mode(v) for k, v in full_text.items()}
        images = data.get("images", {})
        settings.images = ImageSettings(
            fetch=_choice("images.fetch", images.get("fetch", "full_text"), IMAGE_FETCH_MODES),
            show=_choice("images.show", images.get("show", "auto"), IMAGE_SHOW_MODES),
            max_per_article=max(0, int(images.get("max_per_article", 8))),
            max_total_mb=max(0.0, float(images.get("max_total_mb", 200.0))),
        )
        settings.players = {str(k): str(v) for k, v in data.get("players", {}).items()}
        settings.queries = {str(k): str(v) for k, v in data.get("queries", {}).items()}
        settings.openers = {str(k): str(v) for k, v in data.get("openers", {}).items()}
        settings.filters = [dict(f) for f in data.get("filters", []) if isinstance(f, dict)]
        hooks = data.get("hooks", {})
        settings.hooks = HookSettings(new_articles=str(hooks.get("new_articles", "")))
        # In file order: of two bindings of one key, the first may keep it (ui/bindings.py).
        settings.keys = {str(k): _keys(v) for k, v in data.get("keys", {}).items()}
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(
            N_("bad value in config {path}: {exc}").format(path=path, exc=exc)
        ) from None
    return settings


def _mode(value: object) -> str:
    word = str(value).strip().lower()
    if word not in FULL_TEXT_MODES:
        raise ValueError(
            N_("full_text must be one of {x0}, not {value}").format(
                x0=", ".join(FULL_TEXT_MODES), value=repr(value)
            )
        )
    return word


def _choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    word = str(value).strip().lower()
    if word not in choices:
        raise ValueError(
            N_("{name} must be one of {x1}, not {value}").format(
                name=name, x1=", ".join(choices), value=repr(value)
            )
        )
    return word


def _keys(value: object) -> str:
    """`"s,asterisk"` or `["s", "asterisk"]`: the keys of one binding, comma-separated."""
    if isinstance(value, list):
        return ",".join(str(key) for key in value)
    return str(value)

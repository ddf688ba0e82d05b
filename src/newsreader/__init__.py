"""newsreader: a terminal news reader with an offline cache and related stories."""

__version__ = "0.1.0"

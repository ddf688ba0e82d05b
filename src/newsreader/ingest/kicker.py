"""The kicker: the topic line above a headline ("Ukraine-Krieg"), taken from the item itself.

An item's kicker is its first *specific* category. A category that applies to the whole
document says nothing about one item: one given at channel level (iTunes' "Technology",
Deutschlandfunk's "Info"), one on every item of a document of 3 or more items (Giant Bomb's
"video games" on all 730), or one of the user's own tags for the feed. An item with no other
category has no kicker.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from newsreader.models import tag_key

MIN_ITEMS = 3  # with fewer items, "on every item" is no evidence of boilerplate
# More distinct channel categories than this are a label cloud, not a statement about the feed:
# Blogger lists every label the blog has used (129 in the Google Testing Blog's feed).
MAX_CHANNEL = 20


def feed_wide(
    item_categories: Sequence[Iterable[str]], channel: Iterable[str], user_tags: Iterable[str]
) -> frozenset[str]:
    """The tag keys of the categories that apply to the whole document (never a kicker)."""
    wide = {tag_key(c) for c in channel}
    if len(wide) > MAX_CHANNEL:
        wide.clear()
    wide.update(tag_key(t) for t in user_tags)
    if len(item_categories) >= MIN_ITEMS:
        seen = Counter(k for cats in item_categories for k in {tag_key(c) for c in cats})
        wide.update(k for k, n in seen.items() if n == len(item_categories))
    return frozenset(wide)


def kicker(categories: Iterable[str], wide: frozenset[str]) -> str:
    """The first of the item's (cleaned) categories that is not feed-wide, or ""."""
    return next((c for c in categories if c and tag_key(c) not in wide), "")

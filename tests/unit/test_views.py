"""View: the headline list shown, as a value with one string form."""

import pytest

from newsreader.views import View, ViewKind


@pytest.mark.parametrize(
    "view",
    [
        View.ALL,
        View.UNREAD,
        View.STARRED,
        View.tag("Ukraine-Krieg"),
        View.tag("a: b"),  # a colon inside a tag stays in the value
        View.feed("1f3a"),
        View.search('tag:ukraine "Kiew Charkiw" -Sport'),
    ],
)
def test_the_key_round_trips(view: View) -> None:
    assert View.from_key(view.key) == view
    assert str(view) == view.key


def test_values_compare_by_content_and_hash() -> None:
    assert View.tag("Politik") == View(ViewKind.TAG, "Politik") != View.feed("Politik")
    assert len({View.ALL, View.from_key("all"), View.tag("x"), View.tag("x")}) == 2
    assert View.search("q").kind is ViewKind.SEARCH and View.search("q").value == "q"


@pytest.mark.parametrize("key", ["", "everything", "all:x", "unread:", "fold:more", "tags:x"])
def test_anything_else_is_not_a_view(key: str) -> None:
    with pytest.raises(ValueError):
        View.from_key(key)

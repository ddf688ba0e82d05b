from newsreader.history import History, Place
from newsreader.views import View


def test_back_and_forward_restore_exact_places():
    h = History()
    assert h.current is None and h.back() is None and h.forward() is None
    h.visit(Place(View.ALL, "a", headline_row=3))
    h.remember(scroll_y=12.5)
    h.visit(Place(View.ALL, "b", headline_row=3))
    h.visit(Place(View.ALL, "c", headline_row=3))
    assert h.back() == Place(View.ALL, "b", 3, 0.0)
    assert h.back() == Place(View.ALL, "a", 3, 12.5)
    assert h.back() is None and not h.can_go_back
    assert h.forward().article_id == "b"
    assert h.can_go_forward


def test_visiting_from_the_middle_drops_forward_places_and_same_article_updates():
    h = History()
    for art in "abc":
        h.visit(Place(View.ALL, art))
    h.back()
    h.visit(Place(View.tag("Krieg"), "d"))
    assert not h.can_go_forward and len(h) == 3
    h.visit(Place(View.tag("Krieg"), "d", scroll_y=4.0))  # same article: updated, not pushed
    assert len(h) == 3 and h.current.scroll_y == 4.0


def test_limit_drops_the_oldest():
    h = History(limit=3)
    for art in "abcde":
        h.visit(Place(View.ALL, art))
    assert len(h) == 3
    assert [h.back().article_id, h.back().article_id, h.back()] == ["d", "c", None]

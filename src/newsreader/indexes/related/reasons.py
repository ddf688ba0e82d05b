"""The words a person reads under a related story: one short reason line ("same story: Umjerow,
Genf, US-Plan" / "topic: Ukraine, Russland") and the shared tags and words behind it, spelled as
the seed article spells them. The ranking is index.py's; this is only its wording."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from newsreader.i18n import _
from newsreader.indexes.related.features import Doc

REASON_ITEMS = 3


@dataclass(slots=True)
class Reason:
    line: str  # "same story: ..." / "topic: ..." / "" when nothing readable is shared
    tags: list[str]  # shared tags, rarest first
    words: list[str]  # shared words and names that do not repeat a tag, most telling first


def explain(
    seed: Doc,
    doc: Doc,
    has_term: Callable[[str], bool],
    *,
    story: bool,
    tag_weights: dict[str, float],
    term_weights: dict[str, float],
    spelled: tuple[dict[str, str], dict[str, str]],
) -> Reason:
    """Why `doc` relates to `seed`; `has_term(t)` says whether `doc` holds the indexed term."""
    shared_tags = [t for t in seed.tags if t in tag_weights and t in doc.tags]
    shared_tags.sort(key=lambda t: -tag_weights[t])
    shared_terms = [t for t in term_weights if has_term(t)]
    shared_terms.sort(key=lambda t: (t not in seed.names, -term_weights[t]))
    # Short bare numbers ("000" of "31,000") say nothing a person can read.
    shared_terms = [t for t in shared_terms if not (t.isdigit() and len(t) < 4)]
    words = _distinct([spelled[1].get(t, t) for t in shared_terms])
    tags = [spelled[0].get(t, t) for t in shared_tags]
    # Words that merely repeat a shared tag ("Ukraine") would say the same thing twice.
    tag_words = {w.casefold() for t in tags for w in t.split()}
    other_words = [w for w in words if not set(w.casefold().split()) <= tag_words]
    if story:
        line = _("same story: ") + ", ".join(words[:REASON_ITEMS] or tags[:REASON_ITEMS])
    else:
        items = (tags + other_words)[:REASON_ITEMS]
        line = _("topic: ") + ", ".join(items) if items else ""
    return Reason(line, tags, other_words[:5])


def _distinct(items: list[str]) -> list[str]:
    """Spellings without repeats, overlapping name pairs joined ("Red Dead" + "Dead Redemption"
    -> "Red Dead Redemption"), and no single word already inside a shown name."""
    out: list[str] = []
    for item in items:
        if " " in item:
            first, _, last = item.partition(" ")
            joined = next((o for o in out if o.casefold().endswith(" " + first.casefold())), None)
            if joined is not None:
                out[out.index(joined)] = f"{joined} {last}"
                continue
            joined = next((o for o in out if o.casefold().startswith(last.casefold() + " ")), None)
            if joined is not None:
                out[out.index(joined)] = f"{first} {joined}"
                continue
        low = item.casefold()
        if any(low == o.casefold() or low in o.casefold().split() for o in out):
            continue
        out = [o for o in out if o.casefold() not in low.split()]
        out.append(item)
    # A single word inside a name joined later ("Haas" in "Yusuf Demirel Haas") goes too.
    inside = {w for o in out if " " in o for w in o.casefold().split()}
    return [o for o in out if " " in o or o.casefold() not in inside]

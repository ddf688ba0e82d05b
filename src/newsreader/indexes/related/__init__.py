"""Related stories: features of an article (features.py), the in-memory index (index.py) and
the copies of an article (copies.py)."""

from newsreader.indexes.related.copies import CopyMap
from newsreader.indexes.related.features import Doc, headline_key, name_terms, normalise_link
from newsreader.indexes.related.index import Related, RelatedIndex

__all__ = [
    "CopyMap",
    "Doc",
    "Related",
    "RelatedIndex",
    "headline_key",
    "name_terms",
    "normalise_link",
]

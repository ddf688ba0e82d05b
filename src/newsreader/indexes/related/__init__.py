"""Related stories: features of an article (features.py) and the in-memory index (index.py)."""

from newsreader.indexes.related.features import Doc, headline_key, name_terms, normalise_link
from newsreader.indexes.related.index import Related, RelatedIndex

__all__ = ["Doc", "Related", "RelatedIndex", "headline_key", "name_terms", "normalise_link"]

"""In-memory indexes over the cached articles, rebuilt at start in a worker and kept current
by every commit: `terms` (word and tag folding shared by both), `search` (the query language
and its inverted index) and `related/` (related stories, same story, story groups)."""

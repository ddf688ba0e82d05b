"""Ingest: from a feed's URL to articles ready for the store.

- `fetch`: HTTP (conditional GET, size and time limits, per-host politeness, redirects).
- `pool`, `lifetime`: the parse worker processes, and making sure they never outlive us.
- `parse`: bytes to a ParsedFeed: `decode` (charsets), `xmlfeed` (RSS/Atom/RDF via feedparser,
  with `salvage` for broken XML) or `jsonfeed`, into the `raw` types; then `normalise` (the
  sanitiser, dates, ids, lead, tags) with `body_html` (nh3 cleaning) and `kicker`.
- `refresh`: the service call that runs all of it for many feeds and commits in batches.

Nothing here imports the renderer (to_markdown) or the UI.
"""

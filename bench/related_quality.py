"""Related-stories quality on real news: ../shared/realnews/ against our hand-made labels.

The 13 German feed snapshots are ingested the way the product does it (a Library, a refresh of
the local files); bench/realnews_labels.json names, by link only, the story and topic of each
labelled article. For every labelled seed the top 5 related stories are judged:

- story recall@5: seeds whose story is covered by two or more publishers: at least one other
  publisher's coverage is in the top 5 (the acceptance point: >= 0.9);
- precision@5: related stories that share the seed's story or topic (acceptance: >= 0.8);
- same-feed filler: seeds whose top 5 holds an article of the same feed with no shared story
  or topic;
- the reasons shown, and the latency of one query;
- folding whole stories into one headline row: of the labelled pairs that share a row (copies
  aside), how many are the same story, and how many the same story or topic.

Usage: .venv/bin/python bench/related_quality.py [--realnews DIR] [--show N] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from newsreader.config import Settings  # noqa: E402
from newsreader.indexes.related import normalise_link  # noqa: E402
from newsreader.ingest.refresh import refresh_sync  # noqa: E402
from newsreader.library import Library  # noqa: E402

K = 5


def find_realnews() -> Path:
    for base in (ROOT.parent / "shared", Path("/work/shared")):
        path = base / "realnews" / "2024-12-21-de"
        if path.is_dir():
            return path
    raise SystemExit("realnews not found: pass --realnews DIR")


def publisher(path_or_url: str) -> str:
    name = Path(path_or_url).name
    return "deutschlandfunk" if name.startswith("deutschlandfunk") else name.split(".")[0]


def load(realnews: Path, data: Path) -> Library:
    lib = Library.open(data, settings=Settings(parse_workers=2))
    for path in sorted(realnews.glob("*.xml")):
        lib.add_feed(str(path))
    summary = refresh_sync(lib)
    assert not summary.failures, summary.failures
    return lib


def evaluate(lib: Library, labels: dict, show: int = 0) -> dict:
    by_link = {normalise_link(link): lab for link, lab in labels["articles"].items()}
    label_of: dict[str, dict] = {}
    pub_of: dict[str, str] = {}
    for art in lib.articles.values():
        pub_of[art.id] = publisher(lib.feeds[art.feed_id].url)
        lab = by_link.get(normalise_link(art.link))
        if lab is not None:
            label_of[art.id] = lab
    # Publishers covering each story (a link repeated in DLF feeds counts once).
    story_pubs: dict[str, set[str]] = defaultdict(set)
    for aid, lab in label_of.items():
        if lab["story"] != "single":
            story_pubs[lab["story"]].add(pub_of[aid])

    def same_story(a: str, b: str) -> bool:
        la, lb = label_of.get(a), label_of.get(b)
        return bool(la and lb and la["story"] != "single" and la["story"] == lb["story"])

    def same_topic(a: str, b: str) -> bool:
        la, lb = label_of.get(a), label_of.get(b)
        return bool(la and lb and la.get("topic") and la.get("topic") == lb.get("topic"))

    recall_seeds = recall_hits = 0
    judged = relevant = 0
    filler_seeds = seeds = 0
    times: list[float] = []
    misses: list[str] = []
    examples: list[str] = []
    lib.build_indexes()
    for aid in sorted(label_of, key=lambda i: lib.articles[i].headline):
        art = lib.articles[aid]
        started = time.perf_counter()
        related = lib.related(art, K)
        times.append(time.perf_counter() - started)
        seeds += 1
        ids = [r.article_id for r in related]
        lab = label_of[aid]
        story = lab["story"]
        if story != "single" and len(story_pubs[story] - {pub_of[aid]}) >= 1:
            recall_seeds += 1
            if any(same_story(aid, o) and pub_of[o] != pub_of[aid] for o in ids):
                recall_hits += 1
            else:
                misses.append(f"{story}: {art.headline[:70]}")
        for o in ids:
            judged += 1
            relevant += same_story(aid, o) or same_topic(aid, o)
        if any(
            lib.articles[o].feed_id == art.feed_id
            and not same_story(aid, o)
            and not same_topic(aid, o)
            for o in ids
        ):
            filler_seeds += 1
        if show and len(examples) < show and related:
            lines = [f"* {art.headline[:80]}  [{story}]"]
            for r in related:
                o = lib.articles[r.article_id]
                mark = "S" if same_story(aid, o.id) else ("T" if same_topic(aid, o.id) else "-")
                reason = getattr(r, "reason", "") or ", ".join(r.shared_tags + r.shared_words)
                lines.append(f"    {mark} {o.headline[:60]}  ({reason})")
            examples.append("\n".join(lines))
    times.sort()

    # Folding whole stories (F twice in the reader): the labelled pairs that share a row,
    # copies aside, each pair of headlines once (DLF repeats an article in several feeds).
    started = time.perf_counter()
    groups = lib.story_groups()
    fold_ms = 1000 * (time.perf_counter() - started)
    fold_pairs: dict[tuple[str, str], tuple[bool, bool]] = {}
    for aid, others in groups.items():
        copies = set(lib.related_index.copies(aid))
        for o in others:
            if aid < o and aid in label_of and o in label_of and o not in copies:
                key = tuple(sorted((lib.articles[aid].headline, lib.articles[o].headline)))
                story = same_story(aid, o)
                fold_pairs[key] = (story, story or same_topic(aid, o))  # type: ignore[index]
    fold_story = sum(s for s, _ in fold_pairs.values())
    fold_related = sum(t for _, t in fold_pairs.values())
    return {
        "articles": len(lib.articles),
        "labelled_seeds": seeds,
        "story_seeds": recall_seeds,
        "story_recall_at_5": round(recall_hits / recall_seeds, 3) if recall_seeds else None,
        "precision_at_5": round(relevant / judged, 3) if judged else None,
        "related_shown": judged,
        "same_feed_filler_share": round(filler_seeds / seeds, 3) if seeds else None,
        "query_ms_p50": round(1000 * statistics.median(times), 2),
        "query_ms_p95": round(1000 * times[int(0.95 * (len(times) - 1))], 2),
        "fold_grouped_articles": len(groups),
        "fold_ms": round(fold_ms, 1),
        "fold_pairs_judged": len(fold_pairs),
        "fold_same_story": round(fold_story / len(fold_pairs), 3) if fold_pairs else None,
        "fold_story_or_topic": round(fold_related / len(fold_pairs), 3) if fold_pairs else None,
        "misses": misses,
        "examples": examples,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realnews", type=Path, default=None)
    ap.add_argument("--labels", type=Path, default=HERE / "realnews_labels.json")
    ap.add_argument("--show", type=int, default=0, help="print N seeds with their related")
    ap.add_argument("--misses", action="store_true", help="list the story seeds missed")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    labels = json.loads(args.labels.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        lib = load(args.realnews or find_realnews(), Path(tmp) / "data")
        result = evaluate(lib, labels, show=args.show)
        lib.close()
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "examples"}, indent=2))
        return
    for example in result.pop("examples"):
        print(example)
    misses = result.pop("misses")
    if args.misses:
        print("missed:", *misses, sep="\n  ")
    for key, value in result.items():
        print(f"{key:24} {value}")


if __name__ == "__main__":
    main()

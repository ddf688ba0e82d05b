"""The `newsreader` command: the modules load with the collector paused, then `cli.main`.

Importing the command line and the reader makes ~300 modules' worth of long-lived objects;
with the collector on, its passes over them cost ~60 ms of every start (imports 0.33 -> 0.27 s,
docs/PERFORMANCE.md). This module imports nothing of newsreader before pausing it.
"""

from __future__ import annotations


def main() -> int:
    from newsreader.collector import paused

    with paused(freeze=True):
        from newsreader.cli import main as cli_main
    return cli_main()

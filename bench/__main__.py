"""Benchmarks: ``.venv/bin/python -m bench [COMMAND] [options]``.

- ``check`` (the default, so ``python -m bench [--count N] [--profile]`` still works):
  decisions per second of the batch path, in-process (target ≥ 20,000/s).
- ``api``: ``POST /api/v1/check`` and ``GET /api/v1/healthkit/status`` throughput
  against ``GET /healthz`` on the same ``fanjing serve --workers 2`` on PostgreSQL
  (target ratio ≥ 0.5). Needs a server:
  ``scripts/with-postgres .venv/bin/python -m bench api``.
- ``import``: importing one day's national list, 217 areas (target < 1 s).
- ``itinerary``: importing the carriers' feed (target ≥ 100,000 rows/s on PostgreSQL).
- ``popups``: pop-ups after one designation over 10 million itinerary rows (< 10 s).
- ``shards``: the itinerary over two PostgreSQL shards (scripts/with-postgres-shards): import
  (≥ 300,000 rows/s), pop-ups over 10 million rows (< 2 s), the 15th day dropped (< 1 s).
- ``faq``: one hotline question over 10,000 knowledge-base entries (target p95 < 10 ms).
- ``community``: re-evaluating 100,000 open cases after a pack change (target < 30 s).
- ``vaccination``: syncing 1 million clinic dose records to the health kit (target < 60 s).
- ``sites``: assigning 10,000 queued cases to 200 observation sites, rules checked (< 5 s).

Nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bench import (
    api,
    batch,
    community,
    faq,
    importing,
    itinerary,
    popups,
    shards,
    sites,
    vaccination,
)

COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "check": ("the batch path, in-process (default)", batch.add_arguments),
    "api": ("check and status against GET /healthz, 2 workers, PostgreSQL", api.add_arguments),
    "import": ("importing a 217-area national list", importing.add_arguments),
    "itinerary": ("importing the carriers' itinerary feed", itinerary.add_arguments),
    "popups": ("raising pop-ups over 10 million itinerary rows", popups.add_arguments),
    "shards": (
        "the itinerary over two shards: import, pop-ups, dropping a day",
        shards.add_arguments,
    ),
    "faq": ("one hotline question over 10,000 knowledge-base entries", faq.add_arguments),
    "community": ("re-evaluating 100,000 open cases after a pack change", community.add_arguments),
    "vaccination": (
        "syncing 1 million clinic dose records to the health kit",
        vaccination.add_arguments,
    ),
    "sites": ("assigning 10,000 queued cases to 200 observation sites", sites.add_arguments),
}
RUN: dict[str, Callable[[argparse.Namespace], None]] = {
    "check": batch.run,
    "api": api.run,
    "import": importing.run,
    "itinerary": itinerary.run,
    "popups": popups.run,
    "shards": shards.run,
    "faq": faq.run,
    "community": community.run,
    "vaccination": vaccination.run,
    "sites": sites.run,
}


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="{" + ",".join(RUN) + "}")
    for name, (summary, add_arguments) in COMMANDS.items():
        module = sys.modules[RUN[name].__module__]
        add_arguments(
            commands.add_parser(
                name,
                help=summary,
                description=module.__doc__,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
        )
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv = ["check", *argv]  # the batch benchmark stays the default
    return parser.parse_args(argv)


def main() -> None:
    arguments = _arguments(sys.argv[1:])
    RUN[arguments.command](arguments)


if __name__ == "__main__":
    main()

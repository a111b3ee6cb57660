"""The unseen paraphrase set's split into a tuning part and a held-back part.

The held-back part is the 30 % of paraphrases whose SHA-256 (of the question's UTF-8) is
lowest: fixed by the text alone, before any tuning, so that nobody chooses which
paraphrases are held back. ``python -m tests.hotline.paraphrase_split ALL.jsonl`` writes
both files beside this module's data; the test checks that the files are that split.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path

DATA = Path(__file__).parent / "data"
TUNE = DATA / "paraphrases-tune.jsonl"
HELDOUT = DATA / "paraphrases-heldout.jsonl"
HELD_SHARE = 0.3


def digest(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8")).hexdigest()


def split(lines: list[str]) -> tuple[list[str], list[str]]:
    """(tuning lines, held-back lines), each in the original order."""
    ranked = sorted(lines, key=lambda line: digest(json.loads(line)["q"]))
    held = set(ranked[: math.ceil(len(lines) * HELD_SHARE)])
    return [line for line in lines if line not in held], [line for line in lines if line in held]


def main(path: str) -> None:
    lines = [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    tune, held = split(lines)
    TUNE.write_text("\n".join(tune) + "\n", encoding="utf-8")
    HELDOUT.write_text("\n".join(held) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])

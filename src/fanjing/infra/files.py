"""Reading the files people hand to fanjing, with one clear error when that fails."""

from __future__ import annotations

from pathlib import Path

from fanjing.errors import Code, FanjingError, Where


def read_text(path: Path, what: str) -> str:
    """The UTF-8 text of ``path``; ``what`` names the file in the error (政策包, 风险地区文件…)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        raise FanjingError(
            Code.UNREADABLE_FILE, f"无法读取{what}：{problem}", Where(str(path))
        ) from None

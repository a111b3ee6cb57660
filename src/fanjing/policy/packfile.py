"""Reading policy packs from YAML, with every error pointing at its line."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from fanjing.errors import FanjingError, InputErrors, Where
from fanjing.infra.files import read_text
from fanjing.policy.core.pack import Pack, PolicyPack, compile_pack

DEFAULT_PACK_ID = "beijing-2021-08"


def load_pack_text(text: str, *, file: str) -> Pack:
    """Parse, validate and compile a pack; ``InputErrors`` lists every problem with its line."""
    data, lines = _load_yaml_with_lines(text, file)
    try:
        spec = PolicyPack.model_validate(data)
    except ValidationError as invalid:
        raise InputErrors(_located(error, lines, file) for error in invalid.errors()) from None
    return compile_pack(spec)


def load_pack_file(path: Path) -> Pack:
    return load_pack_text(read_text(path, "政策包"), file=str(path))


def builtin_packs() -> list[Pack]:
    """The packs shipped with fanjing (``fanjing/policy/packs/*.yaml``), in file-name order."""
    folder = resources.files("fanjing.policy") / "packs"
    entries = sorted(
        (e for e in folder.iterdir() if e.name.endswith(".yaml")), key=lambda e: e.name
    )
    return [load_pack_text(e.read_text(encoding="utf-8"), file=f"packs/{e.name}") for e in entries]


def _load_yaml_with_lines(text: str, file: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The YAML document and, for each path into it, the 1-based line it starts on."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputErrors(
            [
                FanjingError(
                    "bad_yaml",
                    f"YAML 格式错误：{getattr(problem, 'problem', problem)}",
                    Where(file, line),
                )
            ]
        ) from None
    if node is None:
        raise InputErrors([FanjingError("empty_file", "政策包为空", Where(file, 1))])
    return data, dict(_node_lines(node, ()))


def _node_lines(node: yaml.Node, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], int]]:
    yield path, node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield (*path, key.value), key.start_mark.line + 1
            for sub_path, line in _node_lines(value, (*path, key.value)):
                if sub_path != (*path, key.value):
                    yield sub_path, line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _node_lines(item, (*path, index))


def _located(error: Any, lines: dict[tuple[Any, ...], int], file: str) -> FanjingError:
    loc = tuple(str(part) if not isinstance(part, int) else part for part in error["loc"])
    yaml_loc = tuple("from" if part == "counted_from" else part for part in loc)
    line = None
    for depth in range(len(yaml_loc), -1, -1):  # the deepest path that exists in the file
        line = lines.get(yaml_loc[:depth])
        if line is not None:
            break
    field = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in yaml_loc).replace(
        ".[", "["
    )
    message = error["msg"].removeprefix("Value error, ")
    return FanjingError("invalid_pack", f"政策包无效：{message}", Where(file, line, field or None))

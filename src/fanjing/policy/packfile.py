"""Reading policy packs from YAML, with every error pointing at its line."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from fanjing.errors import Code, FanjingError, InputErrors, Where
from fanjing.infra.files import read_text
from fanjing.policy.core.pack import Pack, PolicyPack, compile_pack

DEFAULT_PACK_ID = "beijing-2021-08"
MAX_PACK_BYTES = 512 * 1024  # the default pack is 10 KB
# the default pack nests 10 deep; PyYAML's composer recurses once per level, so a file of
# brackets alone would otherwise end in a RecursionError
MAX_DEPTH = 50


def load_pack_text(text: str, *, file: str) -> Pack:
    """Parse, validate and compile a pack; ``InputErrors`` lists every problem with its line.

    A pack over ``MAX_PACK_BYTES``, nested deeper than ``MAX_DEPTH`` or using YAML anchors
    and aliases is refused before anything is built from it: an alias shares a node, and a
    few hundred bytes of aliases of aliases (billion laughs) expand to billions of values
    for whatever walks the document (the line map, then validation). Packs gain nothing
    from aliases, so they are refused rather than counted."""
    if len(text.encode("utf-8")) > MAX_PACK_BYTES:
        raise FanjingError(
            Code.PAYLOAD_TOO_LARGE, f"政策包不能超过 {MAX_PACK_BYTES // 1024} KB", Where(file)
        )
    _refuse_aliases_and_depth(text, file)
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


def _refuse_aliases_and_depth(text: str, file: str) -> None:
    """One pass over the YAML events (linear in the text, nothing built): the first anchor
    or alias, or the first level past ``MAX_DEPTH``, is an error naming its line."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                name = event.anchor
                raise InputErrors(
                    [
                        FanjingError(
                            Code.YAML_ALIAS,
                            f"政策包不能使用 YAML 锚点或别名（&{name} / *{name}）：请把内容写出来",
                            Where(file, line),
                        )
                    ]
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise InputErrors(
                        [
                            FanjingError(
                                Code.TOO_DEEP, f"政策包嵌套超过 {MAX_DEPTH} 层", Where(file, line)
                            )
                        ]
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return  # reported with its line by the full parse that follows


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
                    Code.BAD_YAML,
                    f"YAML 格式错误：{getattr(problem, 'problem', problem)}",
                    Where(file, line),
                )
            ]
        ) from None
    if node is None:
        raise InputErrors([FanjingError(Code.EMPTY_FILE, "政策包为空", Where(file, 1))])
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
    return FanjingError(
        Code.INVALID_PACK, f"政策包无效：{message}", Where(file, line, field or None)
    )

"""``fanjing check`` and ``fanjing policy …``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from fanjing.errors import Code, FanjingError
from fanjing.infra.console import command_clock, command_settings, fail
from fanjing.infra.db import create_db_engine, is_up_to_date, session_scope, sqlite_file_missing
from fanjing.infra.files import read_text
from fanjing.places.gazetteer import Gazetteer
from fanjing.places.registry import Registry
from fanjing.places.store import registry_in_database
from fanjing.policy.core.explain import plan_zh
from fanjing.policy.core.model import Decision
from fanjing.policy.packfile import builtin_packs, load_pack_file
from fanjing.policy.scenarios import run_scenario_file, scenario_files
from fanjing.policy.service import Checker, load_registry_csv

policy_app = typer.Typer(help="政策包：校验与场景测试", no_args_is_help=True)


def _checker(risk_areas: Path | None, policy: Path | None) -> Checker:
    gazetteer = Gazetteer()
    if risk_areas is not None:
        registry = load_registry_csv(risk_areas, gazetteer.parse)
    else:
        registry = _registry_in_database()
    pinned = load_pack_file(policy) if policy is not None else None
    return Checker(builtin_packs(), registry, gazetteer.parse, command_clock().today(), pinned)


def _registry_in_database() -> Registry:
    """The registry's designations; none (and a note) while the database is not set up."""
    url = command_settings().database_url
    engine = None if sqlite_file_missing(url) else create_db_engine(url)
    if engine is None or not is_up_to_date(engine):
        typer.echo(
            "提示：风险地区数据库尚未建立（fanjing risk import 名单 可建立），按无风险地区计算。",
            err=True,
        )
        return Registry()
    with session_scope(engine) as session:
        return registry_in_database(session)


def _read_json(path: Path) -> object:
    text = read_text(path, "情况文件")
    try:
        return json.loads(text)
    except json.JSONDecodeError as problem:
        raise FanjingError(
            Code.BAD_JSON,
            f"JSON 格式错误：{problem.msg}（第{problem.lineno}行第{problem.colno}列）",
        ) from None


def check(
    situation: Annotated[
        Path | None, typer.Option("--situation", help="一个情况（JSON 文件）")
    ] = None,
    batch: Annotated[
        Path | None, typer.Option("--batch", help="每行一个情况（JSONL），每行输出一个决定")
    ] = None,
    risk_areas: Annotated[
        Path | None, typer.Option("--risk-areas", help="风险地区 CSV（level,area,from,to）")
    ] = None,
    policy: Annotated[
        Path | None, typer.Option("--policy", help="政策包 YAML；默认按评估日选取生效的政策包")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """入境检查：能否进京，进京后须做什么，依据哪一条。"""
    if (situation is None) == (batch is None):
        fail(FanjingError(Code.USAGE, "请给出 --situation FILE 或 --batch FILE 其中之一"))
    try:
        checker = _checker(risk_areas, policy)
        if batch is not None:
            _run_batch(checker, batch)
            return
        decision = _check_one(checker, situation)
    except FanjingError as problem:
        fail(problem)
    if as_json:
        typer.echo(json.dumps(decision.to_json(), ensure_ascii=False, indent=2))
    else:
        pack, _ = checker.pack_for(decision.as_of)
        typer.echo(plan_zh(decision, pack.title))


def _check_one(checker: Checker, situation: Path | None) -> Decision:
    if situation is None:
        raise FanjingError(Code.USAGE, "请给出 --situation FILE")
    try:
        return checker.check(_read_json(situation))
    except FanjingError as problem:
        raise problem.located(str(situation)) from None


def _run_batch(checker: Checker, batch: Path) -> None:
    try:
        handle = batch.open("rb")  # bytes: a line that is not UTF-8 is one bad line, not a crash
    except OSError as problem:
        raise FanjingError(Code.UNREADABLE_FILE, f"无法读取文件：{problem}") from None
    bad = 0
    with handle:
        for answer in checker.check_lines(iter(handle), str(batch)):
            for error in answer.errors:
                typer.echo(f"错误：{error}", err=True)
            bad += bool(answer.errors)
            sys.stdout.buffer.write(answer.to_json_line())
    if bad:
        raise typer.Exit(2)


@policy_app.command("validate")
def validate(file: Annotated[Path, typer.Argument(help="政策包 YAML 文件")]) -> None:
    """校验政策包：列出每个错误及其所在行。"""
    try:
        pack = load_pack_file(file)
    except FanjingError as problem:
        fail(problem)
    typer.echo(
        f"政策包有效：{pack.id} 版本 {pack.version}，{pack.in_force_from} 起生效，共 {len(pack.rules)} 条规则"
    )


@policy_app.command("test")
def test(folder: Annotated[Path, typer.Argument(help="场景文件夹（或一个场景文件）")]) -> None:
    """运行场景文件，报告每个场景是否符合预期。"""
    files = scenario_files(folder)
    if not files:
        fail(FanjingError(Code.NO_SCENARIOS, f"{folder} 中没有场景文件（*.yaml）"))
    gazetteer = Gazetteer()
    packs = builtin_packs()
    today = command_clock().today()
    passed = failed = 0
    try:
        for path in files:
            for result in run_scenario_file(
                path, packs=packs, parse_place=gazetteer.parse, today=today
            ):
                if result.passed:
                    passed += 1
                    continue
                failed += 1
                typer.echo(f"不符：{result.file} · {result.name}")
                for problem in result.problems:
                    typer.echo(f"    {problem}")
    except FanjingError as problem:
        fail(problem)
    typer.echo(f"{passed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)

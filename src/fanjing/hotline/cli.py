"""``fanjing faq …``: import answers, ask, list, evaluate."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from fanjing.errors import Code, FanjingError, Where
from fanjing.hotline import service
from fanjing.hotline.reading import BUILTIN, read_builtin, read_file
from fanjing.hotline.search import (
    Answered,
    Miss,
    Searcher,
    checked_query,
    evaluate,
    labelled_lines,
)
from fanjing.hotline.store import entries_in_order
from fanjing.infra.console import command_clock, command_settings, fail
from fanjing.infra.db import open_database, session_scope

faq_app = typer.Typer(help="12345 热线知识库：导入权威答复，用中文提问", no_args_is_help=True)


def _engine():  # type: ignore[no-untyped-def]
    return open_database(command_settings().database_url)


@faq_app.command("import")
def import_command(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="文章（.md .txt .html）或表格（.csv .jsonl）")
    ] = None,
    builtin: Annotated[
        bool, typer.Option("--builtin", help="也导入随 fanjing 附带的权威答复")
    ] = False,
    actor: Annotated[str, typer.Option("--by", help="由谁导入（记入审计日志）")] = "cli",
) -> None:
    """逐个文件导入问答；每个文件全部成功才写入。重复导入只更新，较新的答复取代较旧的。"""
    if not paths and not builtin:
        fail(FanjingError(Code.MISSING_ARGUMENT, "请给出要导入的文件，或 --builtin"))
    engine = _engine()
    sources = [(BUILTIN, read_builtin)] if builtin else []
    sources += [(str(path), lambda path=path: read_file(path)) for path in paths or []]
    failed = []
    for name, read in sources:
        try:
            extracted = read()
            with session_scope(engine) as session:
                report = service.import_extracted(
                    session=session,
                    extracted=extracted,
                    file=name,
                    actor=actor,
                    now=command_clock().now(),
                )
        except FanjingError as problem:
            failed.append(problem)
            continue
        typer.echo(
            f"{name}：找到 {report.found} 对问答（新增 {report.added}，更新 {report.updated}，"
            f"未变 {report.unchanged}，取代旧答复 {report.superseded}，存为历史 {report.history}）"
        )
    if failed:
        for problem in failed[:-1]:
            _print(problem)
        fail(failed[-1])


def _print(problem: FanjingError) -> None:
    errors = getattr(problem, "errors", [problem])
    for error in errors:
        typer.echo(f"错误：{error}", err=True)


@faq_app.command("ask")
def ask_command(
    question: Annotated[str | None, typer.Argument(help="来电人的问题")] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=50, help="给出几条答复")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    batch: Annotated[
        Path | None, typer.Option("--batch", help="每行一个问题；每行输出一行 JSON")
    ] = None,
) -> None:
    """找出最合适的权威答复（可用繁体字、同义词、口语）。"""
    if (question is None) == (batch is None):
        fail(FanjingError(Code.BAD_ARGUMENTS, "请给出一个问题，或用 --batch FILE（二者选一）"))
    searcher = Searcher()
    try:
        with session_scope(_engine()) as session:
            if batch is not None:
                _ask_batch(session, searcher, batch, top)
                return
            answered = searcher.ask(session, question or "", top=top)
    except FanjingError as problem:
        fail(problem)
    _show(answered, as_json)


def _ask_batch(session: Session, searcher: Searcher, batch: Path, top: int) -> None:
    """One JSON line per question line, in order: ``{"query", "answers"}``. Every line is
    checked before any is answered, so bad input gives no partial output."""
    try:
        lines = batch.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as problem:
        raise FanjingError(
            Code.UNREADABLE_FILE, f"无法读取文件：{problem}", Where(str(batch))
        ) from None
    queries = [line.strip() for line in lines]
    for number, query in enumerate(queries, start=1):
        if query:
            checked_query(query, Where(str(batch), number))
    out = sys.stdout
    for query in queries:
        if not query:
            continue
        answered = searcher.ask(session, query, top=top)
        line = {"query": query, "answers": [found.as_json() for found in answered.answers]}
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    out.flush()


def _show(answered: Answered, as_json: bool) -> None:
    if as_json:
        body: dict[str, object] = {
            "query": answered.query,
            "answers": [found.as_json() for found in answered.answers],
        }
        if answered.entry_check:
            body["entry_check"] = answered.entry_check
            body["entry_check_page"] = answered.entry_check_page
            body["entry_check_says"] = answered.entry_check_says
        typer.echo(json.dumps(body, ensure_ascii=False))
        return
    if not answered.answers:
        typer.echo("没有找到相关答复。")
    for rank, found in enumerate(answered.answers, start=1):
        day = found.day.isoformat() if found.day else "日期不详"
        typer.echo(f"{rank}. {found.question}（{found.source}，{day}，得分 {found.score:.2f}）")
        typer.echo("   " + found.answer.replace("\n", "\n   "))
    if answered.entry_check:
        typer.echo(
            f"进京问题：可用进京检查核对本人情况（网页 {answered.entry_check_page}，"
            f"接口 {answered.entry_check}，或 fanjing check）：{answered.entry_check_says}"
        )


@faq_app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="每条一行 JSON 的列表")] = False,
    history: Annotated[bool, typer.Option("--history", help="也列出被取代的旧答复")] = False,
) -> None:
    """列出知识库中的问答（默认只列当前答复）。"""
    with session_scope(_engine()) as session:
        rows = entries_in_order(session, history=history)
        items = [
            {
                "question": row.question,
                "answer": row.answer,
                "source": row.source,
                "date": row.published_date.isoformat() if row.published_date else None,
                **({"current": row.current} if history else {}),
            }
            for row in rows
        ]
    if as_json:
        typer.echo(json.dumps(items, ensure_ascii=False, indent=1))
        return
    for item in items:
        typer.echo(f"{item['question']}（{item['source']}，{item['date'] or '日期不详'}）")


@faq_app.command("eval")
def eval_command(
    labelled: Annotated[Path, typer.Argument(help='JSONL：{"q": 问题, "expect": 期望的问题}')],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """评估检索：top-1、top-3 与 MRR。"""
    try:
        try:
            lines = labelled.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as problem:
            raise FanjingError(
                Code.UNREADABLE_FILE, f"无法读取文件：{problem}", Where(str(labelled))
            ) from None
        items = labelled_lines(lines, str(labelled))
        with session_scope(_engine()) as session:
            result = evaluate(session, Searcher(), items)
    except FanjingError as problem:
        fail(problem)
    if as_json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False))
        return
    typer.echo(f"问题数 {result.count}")
    typer.echo(f"top-1 {result.top1:.1%}")
    typer.echo(f"top-3 {result.top3:.1%}")
    typer.echo(f"MRR   {result.mrr:.3f}")
    for miss in result.misses:
        typer.echo(_miss_lines(miss, str(labelled)))


def _miss_lines(miss: Miss, file: str) -> str:
    if miss.expected_entry is None:
        expected = f"“{miss.expected}”（知识库中没有这一问）"
    else:
        where = f"第 {miss.rank} 位" if miss.rank else "未进前 10"
        expected = f"#{miss.expected_entry.entry_id}“{miss.expected_entry.question}”（{where}）"
    found = f"#{miss.found.entry_id}“{miss.found.question}”" if miss.found else "无答复"
    return f"未居首（{file}:{miss.line}）：{miss.query}\n  期望：{expected}\n  得到：{found}"

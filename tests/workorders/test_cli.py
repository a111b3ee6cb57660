"""``fanjing workorders …`` as an operator runs it: open, list (masked), a refused step with
its message and exit 2, close, the overdue check, the report to Excel, a deadlines file."""

from __future__ import annotations

from openpyxl import load_workbook

from tests.cli_helpers import run_fanjing

COMMUNITY = "北京市朝阳区潘家园街道松榆里社区"
CALL = ("--caller-name", "张三", "--caller-phone", "13912345678", "--category", "popup_appeal")


def _open(folder, *more: str):
    return run_fanjing(folder, "workorders", "open", *CALL, "--text", "误弹窗", *more)


def test_an_order_from_the_command_line(tmp_path):
    assert run_fanjing(tmp_path, "db", "upgrade").returncode == 0
    opened = _open(tmp_path, "--address", COMMUNITY, "--by", "话务员甲")
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.strip() == f"已开工单 #1，派给 {COMMUNITY}"
    listed = run_fanjing(tmp_path, "workorders", "list")
    assert listed.stdout.strip() == f"#1 弹窗申诉 已派单 张* 139****5678 → {COMMUNITY}"
    assert "13912345678" not in listed.stdout and "张三" not in listed.stdout
    early = run_fanjing(tmp_path, "workorders", "close", "1", "--satisfaction", "satisfied")
    assert early.returncode == 2
    assert (
        early.stderr.startswith("错误：工单已派单，不能回访结单")
        and "（位置：字段 state）" in early.stderr
    )
    escalated = run_fanjing(tmp_path, "workorders", "escalate")
    assert escalated.stdout.strip() == "升级督办 0 张工单"  # just opened: within its deadlines
    report = run_fanjing(tmp_path, "workorders", "report", "--xlsx", str(tmp_path / "r.xlsx"))
    assert report.returncode == 0, report.stderr
    days = load_workbook(tmp_path / "r.xlsx")["每日工单"]
    assert sum(row[-1] for row in days.iter_rows(min_row=2, values_only=True)) == 1


def test_a_call_without_its_unit_and_a_bad_deadlines_file_are_refused(tmp_path):
    assert run_fanjing(tmp_path, "db", "upgrade").returncode == 0
    no_address = _open(tmp_path)
    assert no_address.returncode == 2 and "（位置：字段 address）" in no_address.stderr
    assert run_fanjing(tmp_path, "workorders", "list").stdout == ""  # nothing half-written
    bad = tmp_path / "deadlines.yaml"
    bad.write_text("popup_appeal: {respond_hours: 48, resolve_hours: 24}\n", encoding="utf-8")
    checked = run_fanjing(tmp_path, "workorders", "deadlines", str(bad))
    assert checked.returncode == 2
    lines = checked.stderr.strip().splitlines()
    assert (
        lines[0] == f"错误：办结时限不能短于响应时限（位置：{bad} 字段 popup_appeal.resolve_hours）"
    )
    assert len(lines) == 6  # and the five categories missing
    builtin = run_fanjing(tmp_path, "workorders", "deadlines")
    assert "popup_appeal（弹窗申诉）：24 小时内响应，72 小时内办结" in builtin.stdout

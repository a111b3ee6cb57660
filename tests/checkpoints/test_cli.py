"""``fanjing checkpoints …`` as an operator runs it: a checkpoint, its staff, its results, and
the refusals (exit 2, ``错误：…（位置：…）``, nothing written)."""

from __future__ import annotations

from tests.cli_helpers import run_fanjing


def test_a_checkpoint_gets_its_staff_and_refusals_name_what_and_where(tmp_path):
    added = run_fanjing(tmp_path, "users", "add", "李站", "--role", "checkpoint")
    assert added.returncode == 0, added.stderr
    made = run_fanjing(tmp_path, "checkpoints", "add", "白庙检查站", "--district", "北京市通州区")
    assert made.returncode == 0, made.stderr
    assert "白庙检查站（北京市通州区）" in made.stdout
    again = run_fanjing(tmp_path, "checkpoints", "add", "白庙检查站", "--district", "北京市通州区")
    assert (
        again.returncode == 2
        and "错误：检查站“白庙检查站”已存在（位置：字段 name）" in again.stderr
    )
    outside = run_fanjing(
        tmp_path, "checkpoints", "add", "燕郊站", "--district", "河北省廊坊市三河市"
    )
    assert outside.returncode == 2 and "字段 district" in outside.stderr
    listed = run_fanjing(tmp_path, "checkpoints", "list")
    assert listed.stdout.splitlines() == ["1  白庙检查站  北京市通州区"]
    bound = run_fanjing(
        tmp_path, "checkpoints", "staff", "add", "李站", "--checkpoint", "白庙检查站"
    )
    assert bound.returncode == 0 and "李站 已绑定到 白庙检查站" in bound.stdout
    nobody = run_fanjing(
        tmp_path, "checkpoints", "staff", "add", "王某", "--checkpoint", "白庙检查站"
    )
    assert nobody.returncode == 2 and "没有用户“王某”" in nobody.stderr
    results = run_fanjing(tmp_path, "checkpoints", "results", "白庙检查站", "--json")
    assert results.returncode == 0 and results.stdout == ""
    audit = run_fanjing(tmp_path, "audit", "verify")
    assert audit.returncode == 0, audit.stderr


def test_a_commuter_check_of_someone_unregistered_is_refused(tmp_path):
    checked = run_fanjing(tmp_path, "checkpoints", "commuter-check", "11010519491231002X")
    assert checked.returncode == 2
    assert "110105********002X 没有登记为环京通勤人员" in checked.stderr
    assert "11010519491231002X" not in checked.stderr  # masked


def test_a_bad_proof_day_is_named(tmp_path):
    checked = run_fanjing(
        tmp_path, "checkpoints", "commuter-check", "11010519491231002X", "--proof-on", "8月5日"
    )
    assert checked.returncode == 2 and "字段 --proof-on" in checked.stderr

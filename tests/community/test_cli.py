"""``fanjing community …`` and ``fanjing policy upload/preview/approve`` as operators run them
(SQLite in var/)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook, load_workbook

from tests.api_helpers import COMMUNITY
from tests.cli_helpers import run_fanjing
from tests.community.helpers import AREA, ID
from tests.community.test_reevaluate import second_version


def workbook(path: Path, rows: list[list[str]]) -> Path:
    book = Workbook()
    for row in rows:
        book.worksheets[0].append(row)
    book.save(path)
    return path


HEADER = ["姓名", "证件号码", "手机号", "到京日期", "途经地", "开始日期", "结束日期"]


def test_import_a_list_export_the_worklist_and_reevaluate_under_a_new_pack(tmp_path):
    areas = tmp_path / "areas.csv"
    areas.write_text(f"level,area,from,to\nmedium,{AREA},2021-07-31,\n", encoding="utf-8")
    assert run_fanjing(tmp_path, "risk", "import", str(areas)).returncode == 0
    good = workbook(
        tmp_path / "arrivals.xlsx",
        [HEADER, ["张三", ID, "13912345678", "2021-08-04", AREA, "2021-08-01", "2021-08-03"]],
    )
    done = run_fanjing(
        tmp_path, "community", "import", str(good), "--community", COMMUNITY, today="2021-08-04"
    )
    assert done.returncode == 0, done.stderr
    assert "已导入 1 人的到京报告，其中 1 人需社区管理" in done.stdout

    shown = run_fanjing(tmp_path, "community", "worklist", COMMUNITY, "--day", "2021-08-17")
    assert shown.returncode == 0 and "今日开始｜1｜张* 139****5678｜健康监测" in shown.stdout
    out = tmp_path / "list.xlsx"
    exported = run_fanjing(
        tmp_path,
        "community",
        "worklist",
        COMMUNITY,
        "--day",
        "2021-08-17",
        "--xlsx",
        str(out),
        "--reveal",
    )
    assert exported.returncode == 0, exported.stderr
    rows = list(load_workbook(out).worksheets[0].iter_rows(values_only=True))
    assert rows[2][:4] == ("今日开始", "1", "张三", "13912345678")

    pack = tmp_path / "pack.yaml"
    pack.write_text(second_version(), encoding="utf-8")
    uploaded = run_fanjing(tmp_path, "policy", "upload", str(pack))
    assert uploaded.returncode == 0 and "fanjing policy preview 1" in uploaded.stdout
    preview = run_fanjing(tmp_path, "policy", "preview", "1")
    assert "重新评估 1 个在管个案，批准后将改变 1 个" in preview.stdout
    assert "居家观察 2021-08-04–2021-08-17 → 2021-08-04–2021-08-24" in preview.stdout
    approved = run_fanjing(tmp_path, "policy", "approve", "1", "--by", "王医生")
    assert approved.returncode == 0 and "已批准并更新 1 个" in approved.stdout
    assert run_fanjing(tmp_path, "policy", "approve", "1").returncode == 2


def test_a_bad_list_is_refused_row_by_row_with_exit_code_2(tmp_path):
    bad = workbook(
        tmp_path / "bad.xlsx",
        [
            HEADER,
            ["", "110101199003071234", "13912345678", "2021-08-04", "", "", ""],
            ["李四", ID, "139", "2021-08-04", "火星市", "2021-08-01", "2021-08-02"],
        ],
    )
    done = run_fanjing(tmp_path, "community", "import", str(bad), "--community", COMMUNITY)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert any("bad.xlsx:2 字段 姓名" in line for line in lines)
    assert any("bad.xlsx:2 字段 证件号码" in line for line in lines)
    assert any("bad.xlsx:3 字段 手机号" in line for line in lines)
    assert "Traceback" not in done.stderr
    wrong = run_fanjing(
        tmp_path, "community", "import", str(tmp_path / "none.xlsx"), "--community", COMMUNITY
    )
    assert wrong.returncode == 2 and "文件不存在" in wrong.stderr
    elsewhere = run_fanjing(tmp_path, "community", "worklist", "北京市朝阳区")
    assert elsewhere.returncode == 2 and "不是北京市的社区或村" in elsewhere.stderr

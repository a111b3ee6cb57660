"""``fanjing risk …`` and ``fanjing check`` on the registry, as a user runs them (SQLite in var/)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.cli_helpers import run_fanjing

LISTS = Path(__file__).resolve().parents[2].parent / "shared" / "sources" / "risk-lists"


def test_import_list_and_diff(tmp_path):
    done = run_fanjing(tmp_path, "risk", "import", str(LISTS / "national-list-20210731.txt"))
    assert done.returncode == 0, done.stderr
    assert "新增 69，解除 0" in done.stdout
    assert (
        run_fanjing(
            tmp_path, "risk", "import", str(LISTS / "national-list-20210804.txt")
        ).returncode
        == 0
    )
    listed = json.loads(
        run_fanjing(tmp_path, "risk", "list", "--as-of", "2021-08-05", "--json").stdout
    )
    assert len(listed) == 148
    assert {"level", "area", "from", "to"} <= listed[0].keys()
    assert listed[0]["level"] == "high" and listed[0]["to"] is None
    changes = run_fanjing(tmp_path, "risk", "diff", "2021-08-01", "2021-08-05")
    assert changes.returncode == 0 and "2021-08-01 → 2021-08-05：新增" in changes.stdout
    assert (tmp_path / "var" / "fanjing.db").exists()


def test_check_without_risk_areas_uses_the_registry(tmp_path):
    situation = {
        "as_of": "2021-08-07",
        "arrival": "2021-08-07",
        "stays": [
            {"place": "河南省郑州市二七区京广路街道", "from": "2021-07-28", "to": "2021-08-01"}
        ],
    }
    (tmp_path / "s.json").write_text(json.dumps(situation, ensure_ascii=False), encoding="utf-8")
    before = json.loads(run_fanjing(tmp_path, "check", "--situation", "s.json", "--json").stdout)
    assert before["entry"]["allowed"] is True  # no registry yet: nothing is designated
    assert not (tmp_path / "var").exists()  # checking creates no database
    run_fanjing(tmp_path, "risk", "import", str(LISTS / "national-list-20210804.txt"))
    after = json.loads(run_fanjing(tmp_path, "check", "--situation", "s.json", "--json").stdout)
    assert after["entry"] == {**after["entry"], "allowed": False, "earliest": "2021-08-15"}


def test_bad_input_to_risk_commands_exits_2(tmp_path):
    (tmp_path / "bad.csv").write_text(
        "level,area,from,to\nsevere,郑州市二七区,2021-07-31,\n", encoding="utf-8"
    )
    done = run_fanjing(tmp_path, "risk", "import", "bad.csv")
    assert (
        done.returncode == 2
        and "bad.csv:2 字段 level" in done.stderr
        and "Traceback" not in done.stderr
    )
    done = run_fanjing(tmp_path, "risk", "list", "--as-of", "2021-02-30")
    assert done.returncode == 2 and "--as-of" in done.stderr
    done = run_fanjing(tmp_path, "risk", "import", "missing.txt")
    assert done.returncode == 2 and "无法读取" in done.stderr


def test_an_unreachable_database_is_one_clear_line(tmp_path):
    env_url = "postgresql://nobody@127.0.0.1:1/nothing"
    done = subprocess.run(
        [sys.executable, "-m", "fanjing", "risk", "list", "--as-of", "2021-08-05"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "FANJING_DATABASE_URL": env_url},
        cwd=tmp_path,
        timeout=120,
    )
    assert (
        done.returncode == 1 and "无法使用数据库" in done.stderr and "Traceback" not in done.stderr
    )


def test_a_truncated_list_exits_3_and_lifts_only_once_confirmed(tmp_path):
    assert (
        run_fanjing(
            tmp_path, "risk", "import", str(LISTS / "national-list-20210804.txt")
        ).returncode
        == 0
    )
    full = (LISTS / "national-list-20210810.txt").read_text(encoding="utf-8")
    (tmp_path / "cut.txt").write_text("\n".join(full.splitlines()[:120]), encoding="utf-8")

    def in_force() -> int:
        done = run_fanjing(tmp_path, "risk", "list", "--as-of", "2021-08-10", "--json")
        return len(json.loads(done.stdout))

    done = run_fanjing(tmp_path, "risk", "import", "cut.txt", "--json")
    assert done.returncode == 3 and "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["held"] and "confirm-lifts" in done.stderr
    held_in_force = in_force()
    assert (
        run_fanjing(
            tmp_path, "risk", "confirm-lifts", str(report["import_id"]), "--by", "王医生"
        ).returncode
        == 0
    )
    assert in_force() == held_in_force - len(report["held"])
    again = run_fanjing(
        tmp_path, "risk", "confirm-lifts", str(report["import_id"]), "--by", "王医生"
    )
    assert again.returncode == 2 and "已由 王医生 确认解除" in again.stderr


def test_confirm_lifts_on_the_import_itself_exits_0(tmp_path):
    run_fanjing(tmp_path, "risk", "import", str(LISTS / "national-list-20210804.txt"))
    full = (LISTS / "national-list-20210810.txt").read_text(encoding="utf-8")
    (tmp_path / "cut.txt").write_text("\n".join(full.splitlines()[:120]), encoding="utf-8")
    done = run_fanjing(tmp_path, "risk", "import", "cut.txt", "--confirm-lifts", "--by", "王医生")
    assert done.returncode == 0, done.stderr
    assert "已由 王医生 确认解除" in done.stdout

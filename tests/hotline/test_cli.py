"""``fanjing faq …`` as an operator runs it (SQLite in var/)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.cli_helpers import run_fanjing

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "000_b0fa59e071304922.txt"
PARAPHRASES = Path(__file__).parent / "data" / "paraphrases.jsonl"


def fanjing(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``fanjing faq …``."""
    return run_fanjing(tmp_path, "faq", *args)


def test_import_ask_batch_list_and_eval(tmp_path):
    done = fanjing(tmp_path, "import", str(SEED), "--builtin")
    assert done.returncode == 0, done.stderr
    assert f"{SEED}：找到 6 对问答（新增 6" in done.stdout
    assert "builtin:knowledge.jsonl：找到 97 对问答" in done.stdout
    again = fanjing(tmp_path, "import", str(SEED))
    assert "找到 6 对问答（新增 0，更新 0，未变 6" in again.stdout

    asked = json.loads(
        fanjing(tmp_path, "ask", "行程碼帶星能回京嗎", "--top", "2", "--json").stdout
    )
    assert asked["answers"][0]["question"] == "外地返京政策如何？行程卡带星号是否可以进京？"
    assert asked["answers"][0]["date"] == "2021-08-07" and len(asked["answers"]) == 2
    assert asked["entry_check"] == "/api/v1/check" and asked["entry_check_page"] == "/check"
    assert "最早可进京日" in asked["entry_check_says"]

    batch = tmp_path / "questions.txt"
    batch.write_text("健康宝弹窗怎么办\n第二针疫苗能在北京打吗\n", encoding="utf-8")
    out = fanjing(tmp_path, "ask", "--batch", str(batch), "--json", "--top", "1")
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["健康宝弹窗怎么办", "第二针疫苗能在北京打吗"]
    assert all(set(line) == {"query", "answers"} for line in lines)
    assert set(lines[0]["answers"][0]) == {"question", "answer", "source", "date", "score"}
    assert lines[1]["answers"][0]["question"].startswith("着急接种新冠疫苗第二针")

    listed = json.loads(fanjing(tmp_path, "list", "--json").stdout)
    assert len(listed) == 103 and {"question", "answer", "source", "date"} <= set(listed[0])

    evaluated = fanjing(tmp_path, "eval", str(PARAPHRASES))
    assert evaluated.returncode == 0
    assert "top-1" in evaluated.stdout and "MRR" in evaluated.stdout


def test_eval_names_each_miss_with_the_expected_and_the_returned_entry(tmp_path):
    assert fanjing(tmp_path, "import", str(SEED), "--builtin").returncode == 0
    labelled = tmp_path / "labelled.jsonl"
    rows = [
        {"q": "健康宝弹窗怎么办", "expect": "在支付宝端怎么换绑北京健康宝的手机号？"},
        {"q": "在支付宝怎么换绑健康宝手机号码", "expect": "在支付宝端怎么换绑北京健康宝的手机号？"},
        {"q": "疫苗第二针去哪打", "expect": "知识库里没有的问题？"},
    ]
    labelled.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")

    result = json.loads(fanjing(tmp_path, "eval", str(labelled), "--json").stdout)
    assert (result["count"], round(result["top1"], 2)) == (3, 0.33)
    popup, missing = result["misses"]
    assert popup["line"] == 1 and popup["q"] == "健康宝弹窗怎么办"
    assert popup["expect"]["question"] == "在支付宝端怎么换绑北京健康宝的手机号？"
    assert isinstance(popup["expect"]["id"], int) and popup["rank"] != 1
    first = json.loads(fanjing(tmp_path, "ask", "健康宝弹窗怎么办", "--top", "1", "--json").stdout)
    assert popup["found"]["question"] == first["answers"][0]["question"]
    assert popup["found"]["question"] != popup["expect"]["question"]
    assert set(popup["found"]) == {"id", "question", "answer", "source", "date"}
    assert missing["expect"] == {"id": None, "question": "知识库里没有的问题？"}
    assert missing["rank"] is None and missing["found"]["question"].startswith("着急接种")

    text = fanjing(tmp_path, "eval", str(labelled)).stdout
    assert f"未居首（{labelled}:1）：健康宝弹窗怎么办" in text
    where = f"第 {popup['rank']} 位" if popup["rank"] else "未进前 10"
    expected = (
        f"  期望：#{popup['expect']['id']}“在支付宝端怎么换绑北京健康宝的手机号？”（{where}）"
    )
    assert expected in text
    assert f"  得到：#{popup['found']['id']}“{popup['found']['question']}”" in text
    assert "“知识库里没有的问题？”（知识库中没有这一问）" in text


def test_bad_input_exits_2_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "q", "answer": "a"}\n{"answer": "a"}\n', encoding="utf-8")
    done = fanjing(tmp_path, "import", str(bad))
    assert done.returncode == 2
    assert f"错误：缺少 question（不能为空）（位置：{bad}:2" in done.stderr
    assert "Traceback" not in done.stderr
    assert json.loads(fanjing(tmp_path, "list", "--json").stdout) == []  # nothing half-written

    assert fanjing(tmp_path, "import", str(tmp_path / "x.docx")).returncode == 2
    empty = fanjing(tmp_path, "ask", "  ")
    assert empty.returncode == 2 and "问题不能为空" in empty.stderr
    questions = tmp_path / "q.txt"
    questions.write_text("健康宝\n" + "长" * 600 + "\n", encoding="utf-8")
    too_long = fanjing(tmp_path, "ask", "--batch", str(questions), "--json")
    assert too_long.returncode == 2 and f"{questions}:2" in too_long.stderr
    assert too_long.stdout == ""

"""``fanjing check`` and ``fanjing policy`` as a user runs them: real process, real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

RISK_AREAS = "level,area,from,to\nhigh,河南省郑州市二七区京广路街道,2021-07-31,\ncases,江苏省扬州市,2021-07-28,\n"
EXAMPLE = {
    "as_of": "2021-08-07",
    "arrival": "2021-08-07",
    "stays": [{"place": "河南省郑州市二七区京广路街道", "from": "2021-07-28", "to": "2021-08-01"}],
}


def fanjing(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fanjing", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "areas.csv").write_text(RISK_AREAS, encoding="utf-8")
    (tmp_path / "s.json").write_text(json.dumps(EXAMPLE, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def test_check_json_follows_the_contract(files):
    done = fanjing(
        "check",
        "--situation",
        str(files / "s.json"),
        "--risk-areas",
        str(files / "areas.csv"),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    decision = json.loads(done.stdout)
    assert decision["entry"] == {**decision["entry"], "allowed": False, "earliest": "2021-08-15"}
    assert [m["kind"] for m in decision["measures"]] == [
        "centralized_observation",
        "health_monitoring",
        "nucleic_acid_test",
        "report_to_community",
    ]


def test_check_prints_a_readable_plan_in_chinese(files):
    done = fanjing(
        "check", "--situation", str(files / "s.json"), "--risk-areas", str(files / "areas.csv")
    )
    assert done.returncode == 0, done.stderr
    assert "集中观察：2021年8月7日至2021年8月14日（8天）" in done.stdout
    assert "依据（arrival.high_risk）" in done.stdout
    assert "结论：已到京：须集中观察至 8月14日" in done.stdout
    assert "于 8月7日 进京，早于最早可进京日 8月15日" in done.stdout
    assert "最早可进京日（不论计划哪天）：2021年8月15日" in done.stdout


def test_batch_answers_line_by_line_and_reports_bad_lines(files):
    good = json.dumps(EXAMPLE, ensure_ascii=False)
    bad_place = json.dumps(
        {**EXAMPLE, "stays": [{"place": "朝阳区", "from": "2021-08-01", "to": "2021-08-02"}]}
    )
    lines = [good, "{not json", bad_place, good.replace("2021-07-28", "2021-08-03")]
    (files / "b.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = fanjing(
        "check", "--batch", str(files / "b.jsonl"), "--risk-areas", str(files / "areas.csv")
    )
    assert done.returncode == 2
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == 4
    assert out[0]["entry"]["earliest"] == "2021-08-15"
    assert out[1]["line"] == 2 and out[1]["errors"][0]["code"] == "bad_json"
    assert out[2]["line"] == 3 and out[2]["errors"][0] == {
        **out[2]["errors"][0],
        "code": "ambiguous_place",
        "field": "stays[0].place",
    }
    assert out[3]["line"] == 4 and out[3]["errors"][0]["code"] == "dates_out_of_order"
    assert "b.jsonl:2" in done.stderr and "b.jsonl:3 字段 stays[0].place" in done.stderr


@pytest.mark.parametrize(
    ("situation", "field", "code"),
    [
        pytest.param({**EXAMPLE, "as_of": "2021/08/07"}, "as_of", "bad_date", id="date-not-iso"),
        pytest.param({**EXAMPLE, "colour": "green"}, "colour", "unknown_field", id="unknown-field"),
        pytest.param(
            {**EXAMPLE, "health_code": "blue"}, "health_code", "unknown_code", id="unknown-code"
        ),
        pytest.param(
            {**EXAMPLE, "contact": {"role": "friend", "last_contact": "2021-08-01"}},
            "contact.role",
            "unknown_role",
            id="unknown-role",
        ),
        pytest.param(
            {**EXAMPLE, "stays": [{"place": "火星市", "from": "2021-08-01", "to": "2021-08-02"}]},
            "stays[0].place",
            "unknown_place",
            id="unknown-place",
        ),
        pytest.param(
            {**EXAMPLE, "stays": [{"place": "郑州市", "from": "2021-08-01", "to": "2021-08-09"}]},
            "stays[0].to",
            "stay_after_arrival",
            id="stay-after-arrival",
        ),
        pytest.param(
            {**EXAMPLE, "commuter": "yes"}, "commuter", "bad_value", id="flag-not-boolean"
        ),
    ],
)
def test_bad_situations_exit_2_with_one_line_per_problem(files, situation, field, code):
    (files / "bad.json").write_text(json.dumps(situation, ensure_ascii=False), encoding="utf-8")
    done = fanjing(
        "check", "--situation", str(files / "bad.json"), "--risk-areas", str(files / "areas.csv")
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    problems = [line for line in done.stderr.splitlines() if line.startswith("错误：")]
    assert len(problems) == 1
    assert f"bad.json 字段 {field}" in problems[0]


def test_malformed_json_and_csv_are_reported_with_their_file(files):
    (files / "broken.json").write_text('{"as_of": ', encoding="utf-8")
    done = fanjing("check", "--situation", str(files / "broken.json"))
    assert done.returncode == 2 and "JSON 格式错误" in done.stderr and "broken.json" in done.stderr
    (files / "bad.csv").write_text(
        "level,area,from,to\nextreme,郑州市二七区,2021-07-31,\n", encoding="utf-8"
    )
    done = fanjing(
        "check", "--situation", str(files / "s.json"), "--risk-areas", str(files / "bad.csv")
    )
    assert (
        done.returncode == 2
        and "bad.csv:2 字段 level" in done.stderr
        and "Traceback" not in done.stderr
    )


def test_missing_file_is_a_clear_error(files):
    done = fanjing("check", "--situation", str(files / "nope.json"))
    assert done.returncode == 2 and "无法读取" in done.stderr and "Traceback" not in done.stderr


def test_policy_validate_reports_lines(files):
    pack = Path(__file__).resolve().parents[2] / "src/fanjing/policy/packs/beijing-2021-08.yaml"
    assert fanjing("policy", "validate", str(pack)).returncode == 0
    broken = pack.read_text(encoding="utf-8").replace("hold_days: 14", "hold_days: fourteen")
    (files / "broken.yaml").write_text(broken, encoding="utf-8")
    done = fanjing("policy", "validate", str(files / "broken.yaml"))
    assert done.returncode == 2
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if "fourteen" in text)
    assert f"broken.yaml:{line}" in done.stderr


def test_a_line_that_is_not_utf8_is_one_bad_line(files):
    good = json.dumps(EXAMPLE, ensure_ascii=False).encode()
    (files / "mixed.jsonl").write_bytes(good + b"\n\xff\xfe{}\n" + good + b"\n")
    done = fanjing(
        "check", "--batch", str(files / "mixed.jsonl"), "--risk-areas", str(files / "areas.csv")
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o.get("line") for o in out] == [None, 2, None]


def test_policy_test_runs_scenario_files_written_by_cdc_staff(files):
    scenario = (
        "risk_areas:\n  - {level: high, area: 河南省郑州市二七区京广路街道, from: 2021-07-31}\n"
        "cases:\n  - name: 离开第6天进京\n"
        "    situation: {as_of: 2021-08-07, arrival: 2021-08-07, "
        "stays: [{place: 河南省郑州市二七区京广路街道, from: 2021-07-28, to: 2021-08-01}]}\n"
        "    expect: {entry: {allowed: false, earliest: EARLIEST}}\n"
    )
    (files / "ok.yaml").write_text(scenario.replace("EARLIEST", "2021-08-15"), encoding="utf-8")
    done = fanjing("policy", "test", str(files / "ok.yaml"))
    assert done.returncode == 0 and "1 passed, 0 failed" in done.stdout
    (files / "wrong.yaml").write_text(scenario.replace("EARLIEST", "2021-08-14"), encoding="utf-8")
    done = fanjing("policy", "test", str(files / "wrong.yaml"))
    assert done.returncode == 1 and "0 passed, 1 failed" in done.stdout
    assert "decision.entry.earliest: 应为 '2021-08-14'，实际为 '2021-08-15'" in done.stdout

"""Tables (CSV, JSONL) and bad input: every bad row named by file and line, nothing half-read."""

from __future__ import annotations

from datetime import date

import pytest

from fanjing.errors import FanjingError, InputErrors
from fanjing.hotline.reading import read_file, read_text


def test_csv_with_alternatives_source_and_date():
    text = (
        "question,answer,alternatives,source,date\n"
        "行程卡带星能进京吗？,需确认是否经过中高风险区域。,行程码有星号|通信行程卡带星,12345,2021-08-07\n"
        '"健康宝弹窗怎么办？","请联系社区。\n配合核酸检测。",,,\n'
    )
    pairs = read_text(text, "faq.csv", ".csv").pairs
    assert len(pairs) == 2
    assert pairs[0].alternatives == ("行程码有星号", "通信行程卡带星")
    assert pairs[0].source.title == "12345" and pairs[0].source.day == date(2021, 8, 7)
    assert pairs[1].answer == "请联系社区。\n配合核酸检测。"
    assert pairs[1].source.title == "faq.csv" and pairs[1].source.day is None


def test_jsonl_with_a_list_of_alternatives():
    text = '{"question": "q1？", "answer": "a1", "alternatives": ["p1", "p2"]}\n\n{"question": "q2？", "answer": "a2"}\n'
    pairs = read_text(text, "faq.jsonl", ".jsonl").pairs
    assert [p.question for p in pairs] == ["q1？", "q2？"]
    assert pairs[0].alternatives == ("p1", "p2")


def test_every_bad_jsonl_line_is_named():
    text = '{"question": "q1", "answer": "a1"}\n{"question": "q2"}\nnot json\n{"question": "q4", "answer": "a", "date": "2021-13-01"}\n[1]\n'
    with pytest.raises(InputErrors) as caught:
        read_text(text, "faq.jsonl", ".jsonl")
    places = [(e.where.file, e.where.line, e.code) for e in caught.value.errors]
    assert places == [
        ("faq.jsonl", 2, "missing_field"),
        ("faq.jsonl", 3, "bad_row"),
        ("faq.jsonl", 4, "bad_date"),
        ("faq.jsonl", 5, "bad_row"),
    ]
    assert "faq.jsonl:2" in str(caught.value)


def test_csv_rows_with_too_many_or_missing_cells():
    text = "question,answer\nq1,a1\nq2,a2,extra\nq3\n,a4\n"
    with pytest.raises(InputErrors) as caught:
        read_text(text, "faq.csv", ".csv")
    assert [(e.where.line, e.code) for e in caught.value.errors] == [
        (3, "bad_row"),
        (4, "bad_row"),
        (5, "missing_field"),
    ]


def test_csv_without_the_answer_column():
    with pytest.raises(FanjingError) as caught:
        read_text("question,reply\nq,a\n", "faq.csv", ".csv")
    assert caught.value.code == "missing_column" and caught.value.where.line == 1


def test_unknown_file_type(tmp_path):
    path = tmp_path / "faq.pdf"
    path.write_bytes(b"%PDF")
    with pytest.raises(FanjingError) as caught:
        read_file(path)
    assert caught.value.code == "unknown_file_type"
    assert str(path) in str(caught.value)


def test_bad_front_matter_names_its_line(tmp_path):
    path = tmp_path / "post.md"
    path.write_text("---\ntitle: [unclosed\n---\n问：a？\n答：b\n", encoding="utf-8")
    with pytest.raises(FanjingError) as caught:
        read_file(path)
    assert caught.value.code == "bad_front_matter"
    assert caught.value.where.file == str(path)


def test_gb18030_files_are_read(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes("热线答复\n问：健康宝弹窗怎么办？\n答：联系社区。\n".encode("gb18030"))
    assert read_file(path).pairs[0].answer == "联系社区。"

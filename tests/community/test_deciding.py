"""Deciding many situations in worker processes gives exactly what one process gives."""

from __future__ import annotations

from datetime import date
from importlib import resources

from fanjing.community import deciding
from fanjing.places.registry import Registry
from fanjing.policy.packfile import builtin_packs
from fanjing.policy.service import Checker
from tests.builders import JINGGUANG, YANGZHOU, designation

PACK_TEXT = (resources.files("fanjing.policy") / "packs" / "beijing-2021-08.yaml").read_text(
    encoding="utf-8"
)


def test_worker_processes_decide_as_this_process_does(gazetteer, monkeypatch):
    registry = Registry.of(
        [designation("high", JINGGUANG, "2021-07-31"), designation("cases", YANGZHOU, "2021-07-28")]
    )
    checker = Checker(builtin_packs(), registry, gazetteer.parse, date(2021, 8, 7))
    pack = builtin_packs()[0]
    situations = [
        {
            "as_of": "2021-08-07",
            "arrival": "2021-08-07",
            "stays": [{"place": place, "from": "2021-07-30", "to": to}],
        }
        for place in (
            "河南省郑州市二七区京广路街道",
            "江苏省扬州市邗江区",
            "江苏省南京市鼓楼区",
            "火星",
        )
        for to in ("2021-08-01", "2021-08-05")
    ]
    with deciding.deciding(checker, pack, PACK_TEXT, cases=1, processes=2) as decide:
        here = decide(situations)
    monkeypatch.setattr(deciding, "PARALLEL_FROM", 1)
    with deciding.deciding(checker, pack, PACK_TEXT, cases=1, processes=2) as decide:
        there = decide(situations)
    assert there == here
    assert isinstance(here[-1], str) and "火星" in here[-1]  # refused, with the reason
    assert any(isinstance(answer, list) and answer for answer in here)

"""``fanjing demo``: the entry check on a few real situations of early August 2021.

Until the server exists this is what ``make run`` shows: the default pack, the
demo risk areas (taken from the national lists of 31 July and 4 August 2021) and
five people, each decided and explained in Chinese.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import typer

from fanjing.errors import FanjingError
from fanjing.places.designations_csv import read_designations_csv
from fanjing.places.gazetteer import Gazetteer
from fanjing.places.registry import Registry
from fanjing.policy.core.explain import plan_zh
from fanjing.policy.packfile import builtin_packs
from fanjing.policy.service import Checker

DEMO_DAY = "2021-08-07"

SITUATIONS: list[tuple[str, dict[str, Any]]] = [
    (
        "8月1日离开郑州市二七区京广路街道（高风险），8月7日抵京",
        {
            "as_of": DEMO_DAY,
            "arrival": DEMO_DAY,
            "stays": [
                {"place": "河南省郑州市二七区京广路街道", "from": "2021-07-28", "to": "2021-08-01"}
            ],
        },
    ),
    (
        "7月30日至8月3日在南京市鼓楼区出差（南京有高、中风险地区，鼓楼区没有），计划8月9日返京",
        {
            "as_of": DEMO_DAY,
            "arrival": "2021-08-09",
            "stays": [{"place": "江苏省南京市鼓楼区", "from": "2021-07-30", "to": "2021-08-03"}],
        },
    ),
    (
        "环京通勤人员，住河北省廊坊市三河市燕郊镇，绿码，体温正常",
        {
            "as_of": DEMO_DAY,
            "arrival": DEMO_DAY,
            "commuter": True,
            "stays": [
                {"place": "河北省廊坊市三河市燕郊镇", "from": "2021-07-25", "to": "2021-08-07"}
            ],
        },
    ),
    (
        "7月20日从上海浦东国际机场入境，计划8月7日进京",
        {
            "as_of": DEMO_DAY,
            "arrival": DEMO_DAY,
            "entered_china": {"port": "上海浦东国际机场", "date": "2021-07-20"},
        },
    ),
    (
        "在京次密切接触者，8月2日最后一次接触",
        {
            "as_of": DEMO_DAY,
            "contact": {"role": "secondary_close_contact", "last_contact": "2021-08-02"},
        },
    ),
]


def demo() -> None:
    """演示：在几个真实情况上运行入境检查（2021年8月7日）。"""
    gazetteer = Gazetteer()
    csv_text = (
        resources.files("fanjing.places") / "data" / "risk-areas-2021-08-demo.csv"
    ).read_text(encoding="utf-8")
    try:
        registry = Registry.of(
            read_designations_csv(csv_text, parse_place=gazetteer.parse, file="demo")
        )
        checker = Checker(builtin_packs(), registry, gazetteer.parse, today=registry_day())
        for title, situation in SITUATIONS:
            decision = checker.check(situation)
            pack, _ = checker.pack_for(decision.as_of)
            typer.echo(f"\n━━ {title}")
            typer.echo(plan_zh(decision, pack.title))
    except FanjingError as problem:
        typer.echo(f"错误：{problem}", err=True)
        raise typer.Exit(2) from None


def registry_day() -> Any:
    from datetime import date

    return date.fromisoformat(DEMO_DAY)

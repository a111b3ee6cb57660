"""The demo's data: the risk lists, one user per role, the sites and their queue, the
checkpoint, the hotline's knowledge base and the work orders, around the residents
(people.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fanjing.checkpoints.core import Outcome, ScanResult
from fanjing.checkpoints.service import (
    add_checkpoint,
    bind_staff,
    record_results,
    register_commuter,
)
from fanjing.common.identity import read_document
from fanjing.community.service import Person, report_arrival
from fanjing.demo import CLINIC, COMMUNITY, DEMO_DAY
from fanjing.demo.people import appointment_days, seed_people
from fanjing.healthkit.designation_followers import POPUP_FOLLOWERS
from fanjing.healthkit.service import (
    own_account,
)
from fanjing.hotline.reading import read_builtin, read_file
from fanjing.hotline.service import import_extracted
from fanjing.infra.crypto import FieldCipher
from fanjing.infra.db import session_scope
from fanjing.places.gazetteer import Gazetteer
from fanjing.places.imports import import_risk_file
from fanjing.places.store import registry_in_database
from fanjing.policy.packfile import builtin_packs
from fanjing.policy.service import Checker
from fanjing.sites.assignment import assign_district_queue
from fanjing.sites.service import RoomSpec, bind_manager, register_site
from fanjing.sites.store import SiteRow
from fanjing.users.service import add_user
from fanjing.users.store import UserRow
from fanjing.vaccination.service import add_clinic
from fanjing.workorders.demo_orders import seed_orders

LISTS = ("national-list-20210731.txt", "national-list-20210804.txt")
ROLES_ZH = {
    "citizen": "市民 张三",
    "community_worker": "社区工作者（松榆里社区）",
    "cdc": "疾控人员",
    "clinic": "接种门诊（潘家园社区卫生服务中心）",
    "hotline": "12345 话务员",
    "admin": "管理员",
    "checkpoint": "检查站工作人员（白庙检查站）",
    "site_manager": "集中观察点管理员（朝阳一号观察点）",
}


@dataclass(frozen=True)
class Demo:
    tokens: dict[str, str]  # role → bearer token (the login)


def seed_demo(
    engine: Engine, cipher: FieldCipher, gazetteer: Gazetteer, real_now: datetime
) -> Demo:
    """Fill a migrated, empty database with the demo data. The data is of the demo's day;
    the tokens are issued at ``real_now`` (they expire by the real clock, not the demo's)."""
    now = datetime(2021, 8, 7, 1, 0, tzinfo=UTC)
    data = resources.files("fanjing") / "demo_data"
    with session_scope(engine) as session:
        for name in LISTS:
            import_risk_file(
                session=session,
                text=(data / name).read_text(encoding="utf-8"),
                file=name,
                parse_place=gazetteer.parse,
                actor="demo",
                now=now,
                followers=POPUP_FOLLOWERS,
            )
        add_clinic(
            session=session,
            code=CLINIC,
            name="潘家园社区卫生服务中心",
            street="北京市朝阳区潘家园街道",
            parse_place=gazetteer.parse,
            actor="demo",
            now=now,
        )
        site = _sites(session, gazetteer, now)
        tokens = {}
        for role in ROLES_ZH:
            user, token = add_user(
                session=session,
                cipher=cipher,
                name={"citizen": "张三"}.get(role, f"demo-{role}"),
                role=role,
                community=COMMUNITY if role == "community_worker" else None,
                clinic=CLINIC if role == "clinic" else None,
                parse_place=gazetteer.parse,
                actor="demo",
                now=real_now,
            )
            tokens[role] = token
            if role == "citizen":
                citizen_id = user.id
            if role == "checkpoint":
                checkpoint_user = user
            if role == "community_worker":
                appointment_days(session, user, gazetteer, now)
            if role == "site_manager":
                bind_manager(session=session, user=user, site=site, actor="demo", now=now)
        _, tokens["cdc2"] = add_user(  # a second CDC member: a pack one uploads, the other approves
            session=session,
            cipher=cipher,
            name="demo-cdc-2",
            role="cdc",
            community=None,
            parse_place=gazetteer.parse,
            actor="demo",
            now=real_now,
        )
    tokens["employer"] = seed_people(engine, cipher, gazetteer, citizen_id, now, real_now)
    _checkpoint(engine, gazetteer, checkpoint_user, citizen_id, now)
    _hotline(engine, now)
    seed_orders(engine, cipher, gazetteer, clinic=CLINIC, now=real_now)
    with session_scope(engine) as session:  # the day's queue placed at the sites
        assign_district_queue(
            session=session,
            district=None,
            site_id=None,
            place_name=lambda text: gazetteer.parse(text).name,
            actor="demo",
            today=DEMO_DAY,
            now=now,
        )
    _awaiting_rooms(engine, cipher, gazetteer, now)
    return Demo(tokens)


def _awaiting_rooms(
    engine: Engine, cipher: FieldCipher, gazetteer: Gazetteer, now: datetime
) -> None:
    """Close contacts reported after the queue was placed: two here today, one coming on 08-09
    (the dashboard's forecast), waiting in 朝阳区's placement queue."""
    with session_scope(engine) as session:
        checker = Checker(builtin_packs(), registry_in_database(session), gazetteer.parse, DEMO_DAY)
        for name, number, arrival in (
            ("陈七", "110101199003073036", "2021-08-07"),
            ("林八", "110101199003073001", "2021-08-07"),
            ("黄九", "11010119900307301X", "2021-08-09"),
        ):
            report_arrival(
                session=session,
                cipher=cipher,
                checker=checker,
                community=COMMUNITY,
                person=Person(name, read_document("resident_id", number, today=DEMO_DAY), None),
                employer=None,
                situation={
                    "as_of": "2021-08-07",
                    "arrival": arrival,
                    "contact": {"role": "close_contact", "last_contact": "2021-08-05"},
                },
                contact_case_id=None,
                actor="demo",
                source="worker",
                now=now,
            )


def _sites(session: Session, gazetteer: Gazetteer, now: datetime) -> SiteRow:
    """Two observation sites of 朝阳区: 3 floors of 8 single rooms, and a smaller one whose
    first floor has two household rooms."""
    first = register_site(
        session=session,
        name="朝阳一号观察点",
        district="朝阳区",
        address="北京市朝阳区东三环南路某酒店",
        rooms=[RoomSpec(f, n) for f in (1, 2, 3) for n in range(1, 9)],
        parse_place=gazetteer.parse,
        actor="demo",
        now=now,
    )
    register_site(
        session=session,
        name="朝阳二号观察点",
        district="朝阳区",
        address="北京市朝阳区劲松某宾馆",
        rooms=[RoomSpec(1, 1, 3, True), RoomSpec(1, 2, 3, True)]
        + [RoomSpec(2, n) for n in range(1, 7)],
        parse_place=gazetteer.parse,
        actor="demo",
        now=now,
    )
    return first


def _checkpoint(
    engine: Engine, gazetteer: Gazetteer, staff: UserRow, citizen_id: int, now: datetime
) -> None:
    """白庙检查站 with its staff, and 张三 as a commuter from 燕郊 whose negative test of 08-05 a
    checkpoint saw on 08-06: on the demo's day the 14-day rule lets him through."""
    with session_scope(engine) as session:
        checkpoint = add_checkpoint(
            session=session,
            name="白庙检查站",
            district="北京市通州区",
            parse_place=gazetteer.parse,
            actor="demo",
            now=now,
        )
        bind_staff(session=session, user=staff, checkpoint=checkpoint, actor="demo", now=now)
        commuter = register_commuter(
            session=session,
            account=own_account(session, citizen_id),
            employer="北京某科技有限公司",
            home="河北省廊坊市三河市燕郊镇",
            parse_place=gazetteer.parse,
            actor="demo",
            now=now,
        )
        seen = now - timedelta(days=1)
        record_results(
            session=session,
            checkpoint=checkpoint,
            scans=[
                ScanResult(
                    client_id="demo-0806-zhangsan",
                    outcome=Outcome.PASS,
                    colour="green",
                    popup=False,
                    masked_name="张*",
                    pass_expires_at=seen + timedelta(minutes=5),
                    temperature=Decimal("36.4"),
                    checked_at=seen,
                    commuter_id=commuter.id,
                    test_proof_on=date(2021, 8, 5),
                )
            ],
            actor=staff.name,
            now=now,
            today=DEMO_DAY,
        )


def _hotline(engine: Engine, now: datetime) -> None:
    seed = Path(str(resources.files("fanjing") / "demo_data" / "hotline-2021-08-07.md"))
    for name, read in (("seed", lambda: read_file(seed)), ("builtin", read_builtin)):
        with session_scope(engine) as session:
            import_extracted(session=session, extracted=read(), file=name, actor="demo", now=now)

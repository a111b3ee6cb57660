"""``fanjing demo`` (what ``make run`` runs): the server on a fresh SQLite database of demo
data, with the clock set to 7 August 2021.

The data: the default pack; the risk areas of the national lists of 31 July and 4 August
2021; one user per role (their logins are printed); demo people with accounts, phone
numbers (one grey), itineraries, a declaration, pop-ups, arrival reports and cases
(a secondary close contact with a cohabitant), an employer with linked employees, doses at a
clinic (one held for a wrong name); the hotline's knowledge base from the seed article; and
12345 work orders in several states.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
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
from fanjing.community.follow_up import record_check
from fanjing.community.service import Person, report_arrival
from fanjing.employers.demo import seed_employer
from fanjing.healthkit.declaration import declare
from fanjing.healthkit.designation_followers import POPUP_FOLLOWERS
from fanjing.healthkit.popups import raise_popups_for
from fanjing.healthkit.sender import LogSender
from fanjing.healthkit.service import (
    confirm_binding,
    create_account,
    own_account,
    start_binding,
    unbind,
)
from fanjing.healthkit.store import AccountRow
from fanjing.hotline.reading import read_builtin, read_file
from fanjing.hotline.service import import_extracted
from fanjing.infra.console import command_settings
from fanjing.infra.crypto import FieldCipher, load_field_cipher
from fanjing.infra.db import open_database, session_scope
from fanjing.infra.rate_limits import RateLimits
from fanjing.itinerary.feed import FeedReader
from fanjing.itinerary.service import import_feed
from fanjing.places.gazetteer import Gazetteer
from fanjing.places.imports import import_risk_file
from fanjing.places.store import every_designation_id, registry_in_database
from fanjing.policy.packfile import builtin_packs
from fanjing.policy.service import Checker
from fanjing.sites.assignment import assign_district_queue
from fanjing.sites.service import RoomSpec, bind_manager, register_site
from fanjing.sites.store import SiteRow
from fanjing.users.service import add_user
from fanjing.users.store import UserRow
from fanjing.vaccination.appointments import set_capacity
from fanjing.vaccination.products import builtin_products
from fanjing.vaccination.service import DoseEntry, Identity, add_clinic, clinic_of, record_dose
from fanjing.vaccination.sync import sync_to_healthkit
from fanjing.workorders.demo_orders import seed_orders

DEMO_DAY = date(2021, 8, 7)
COMMUNITY = "北京市朝阳区潘家园街道松榆里社区"
CLINIC = "cy-pjy"
LISTS = ("national-list-20210731.txt", "national-list-20210804.txt")
ZHENGZHOU = "河南省郑州市二七区京广路街道"  # high risk from 31 July
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
LOGINS_ZH = {
    **ROLES_ZH,
    "cdc2": "第二位疾控人员（批准另一位上传的政策包）",
    "employer": "单位（北京示例科技有限公司：员工张三、李四、赵六）",
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
                _appointment_days(session, user, gazetteer, now)
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
    tokens["employer"] = _people(engine, cipher, gazetteer, citizen_id, now, real_now)
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


def _people(
    engine: Engine,
    cipher: FieldCipher,
    gazetteer: Gazetteer,
    citizen_id: int,
    now: datetime,
    real_now: datetime,
) -> str:
    """The demo people; returns the employer user's token (its staff link before reporting)."""
    sender, limits = LogSender(), RateLimits()
    with session_scope(engine) as session:
        account = create_account(
            session=session,
            cipher=cipher,
            user_id=citizen_id,
            name="张三",
            document=read_document("resident_id", "11010519491231002X", today=DEMO_DAY),
            community=COMMUNITY,
            now=now,
        )
        for phone, platform in (("13912345678", "wechat"), ("13800138000", "alipay")):
            start_binding(
                session=session,
                cipher=cipher,
                sender=sender,
                limits=limits,
                account=account,
                phone=phone,
                platform=platform,
                now=now,
            )
            session.commit()  # the code's tries are counted on their own connection
            confirm_binding(
                session=session,
                engine=engine,
                cipher=cipher,
                account=account,
                phone=phone,
                platform=platform,
                code=sender.sent[-1][1],
                now=now,
            )
        unbind(
            session=session,
            cipher=cipher,
            account=account,
            phone="13800138000",
            platform="alipay",
            today=date(2021, 8, 2),
            now=now,
        )
        account_id = account.id
        employer_token = seed_employer(
            session=session,
            cipher=cipher,
            gazetteer=gazetteer,
            citizen_id=citizen_id,
            community=COMMUNITY,
            day=DEMO_DAY,
            now=now,
            real_now=real_now,
        )
    feed = (
        "phone,city,day\n"
        "13912345678,北京市,2021-08-05\n13912345678,江苏省南京市,2021-07-30\n"
        "13800138000,河南省郑州市,2021-07-28\n13800138000,河南省郑州市,2021-07-29\n"
    )
    reader = FeedReader(parse_place=gazetteer.parse, lookup_hash=cipher.lookup_hash)
    import_feed(engine=engine, lines=feed.splitlines(keepends=True), jsonl=False, reader=reader)
    with session_scope(engine) as session:
        checker = Checker(builtin_packs(), registry_in_database(session), gazetteer.parse, DEMO_DAY)
        declare(
            session=session,
            checker=checker,
            account=session.get_one(AccountRow, account_id),
            situation={
                "as_of": "2021-08-05",
                "arrival": "2021-08-05",
                "stays": [
                    {"place": "江苏省南京市鼓楼区", "from": "2021-07-29", "to": "2021-07-31"}
                ],
            },
            now=now,
        )
        raise_popups_for(
            session=session,
            designation_ids=every_designation_id(session),
            today=DEMO_DAY,
            now=now,
        )
        _community(session, cipher, checker, now)
        _doses(session, cipher, now)
    sync_to_healthkit(engine=engine, cipher=cipher, clock=lambda: now)
    return employer_token


def _community(session: Session, cipher: FieldCipher, checker: Checker, now: datetime) -> None:
    people = [
        ("李四", "110101199003071233", "13700000001", ZHENGZHOU, "2021-07-30", None),
        ("王五", "110102198805051236", "13700000002", "河北省石家庄市藁城区", "2021-08-01", None),
    ]
    for name, number, phone, place, left, contact in people:
        reported = report_arrival(
            session=session,
            cipher=cipher,
            checker=checker,
            community=COMMUNITY,
            person=Person(name, read_document("resident_id", number, today=DEMO_DAY), phone),
            employer="北京某科技有限公司",
            situation={
                "as_of": "2021-08-03",
                "arrival": "2021-08-03",
                "stays": [{"place": place, "from": "2021-07-27", "to": left}],
                **({"contact": contact} if contact else {}),
            },
            contact_case_id=None,
            actor="demo",
            source="worker",
            now=now,
        )
        if reported.case is not None:
            for day in ("2021-08-03", "2021-08-04", "2021-08-05"):
                record_check(
                    session=session,
                    case=reported.case,
                    day=date.fromisoformat(day),
                    temperature="36.5",
                    symptoms=[],
                    actor="demo",
                    today=DEMO_DAY,
                    now=now,
                )
    calm = [{"place": "江苏省南京市鼓楼区", "from": "2021-07-29", "to": "2021-07-31"}]
    contact = report_arrival(
        session=session,
        cipher=cipher,
        checker=checker,
        community=COMMUNITY,
        person=Person(
            "赵六",
            read_document("resident_id", "110105198001011238", today=DEMO_DAY),
            "13700000003",
        ),
        employer=None,
        situation={
            "as_of": "2021-08-04",
            "arrival": "2021-08-02",
            "stays": calm,
            "contact": {"role": "secondary_close_contact", "last_contact": "2021-08-03"},
        },
        contact_case_id=None,
        actor="demo",
        source="worker",
        now=now,
    )
    report_arrival(
        session=session,
        cipher=cipher,
        checker=checker,
        community=COMMUNITY,
        person=Person(
            "赵小六",
            read_document("resident_id", "110105201001011232", today=DEMO_DAY),
            "13700000004",
        ),
        employer=None,
        situation={
            "as_of": "2021-08-04",
            "arrival": "2021-08-02",
            "stays": calm,
            "contact": {
                "role": "cohabitant_of_secondary_close_contact",
                "last_contact": "2021-08-03",
            },
        },
        contact_case_id=contact.case.id if contact.case else None,
        actor="demo",
        source="worker",
        now=now,
    )


def _appointment_days(
    session: Session, worker: UserRow, gazetteer: Gazetteer, now: datetime
) -> None:
    """The street's vaccination appointments for the demo's week: 30 a day."""
    for offset in range(7):
        set_capacity(
            session=session,
            user=worker,
            street="北京市朝阳区潘家园街道",
            day=DEMO_DAY + timedelta(days=offset),
            capacity=30,
            parse_place=gazetteer.parse,
            now=now,
            today=DEMO_DAY,
        )


def _doses(session: Session, cipher: FieldCipher, now: datetime) -> None:
    clinic = clinic_of(session, CLINIC)
    products = builtin_products()
    code = next(iter(products))
    for name, day, dose in (
        ("张三", "2021-07-01", 1),
        ("张叁", "2021-07-22", 2),
    ):  # the 2nd: a typo
        record_dose(
            session=session,
            cipher=cipher,
            products=products,
            clinic=clinic,
            identity=Identity(
                name, read_document("resident_id", "11010519491231002X", today=DEMO_DAY)
            ),
            entry=DoseEntry(code, dose, date.fromisoformat(day)),
            actor="demo",
            now=now,
            today=DEMO_DAY,
        )


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


def demo(
    host: Annotated[str, typer.Option("--host", help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口")] = 8000,
) -> None:
    """演示：在新的 SQLite 演示库上启动服务，时钟定在 2021-08-07，并打印各角色的登录令牌。"""
    from fanjing.web.server import run_server

    settings = command_settings()
    folder = settings.var_dir / "demo"
    shutil.rmtree(folder, ignore_errors=True)  # a fresh demo every time
    demo_settings = settings.model_copy(
        update={
            "var_dir": folder,
            "database_url": f"sqlite:///{folder / 'fanjing.db'}",
            "today": DEMO_DAY,
        }
    )
    typer.echo("正在准备演示数据（风险地区、角色、居民、行程、个案、单位、接种、热线知识库）……")
    engine = open_database(demo_settings.database_url)
    seeded = seed_demo(
        engine, load_field_cipher(demo_settings), Gazetteer(), demo_settings.clock.now()
    )
    engine.dispose()
    typer.echo(f"演示时钟：{DEMO_DAY}。登录令牌（在 http://{host}:{port}/login 粘贴）：")
    for role, token in seeded.tokens.items():
        typer.echo(f"  {LOGINS_ZH[role]}：{token}")
    run_server(demo_settings, host=host, port=port, workers=1)

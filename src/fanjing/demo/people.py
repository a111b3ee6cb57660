"""The demo's residents: accounts and phone numbers, itineraries, a declaration and pop-ups,
arrival reports and cases, the employer's links, the clinic's days and doses."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fanjing.common.identity import read_document
from fanjing.community.follow_up import record_check
from fanjing.community.service import Person, report_arrival
from fanjing.demo import CLINIC, COMMUNITY, DEMO_DAY, ZHENGZHOU
from fanjing.employers.demo import seed_employer
from fanjing.healthkit.declaration import declare
from fanjing.healthkit.popups import raise_popups_for
from fanjing.healthkit.sender import LogSender
from fanjing.healthkit.service import (
    confirm_binding,
    create_account,
    start_binding,
    unbind,
)
from fanjing.healthkit.store import AccountRow
from fanjing.infra.crypto import FieldCipher
from fanjing.infra.db import session_scope
from fanjing.infra.rate_limits import RateLimits
from fanjing.itinerary.feed import FeedReader
from fanjing.itinerary.service import import_feed
from fanjing.places.gazetteer import Gazetteer
from fanjing.places.store import every_designation_id, registry_in_database
from fanjing.policy.packfile import builtin_packs
from fanjing.policy.service import Checker
from fanjing.users.store import UserRow
from fanjing.vaccination.appointments import set_capacity
from fanjing.vaccination.products import builtin_products
from fanjing.vaccination.service import DoseEntry, Identity, clinic_of, record_dose
from fanjing.vaccination.sync import sync_to_healthkit


def seed_people(
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


def appointment_days(
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

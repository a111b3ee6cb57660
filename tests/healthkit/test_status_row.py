"""The precomputed status row: after any sequence of changes through the services (accounts,
declarations, red marks, designations raising and withdrawing pop-ups, pop-ups cleared, days
passing with the daily job), every row equals its status computed from the sources, and the
status read from the row is the one computed."""

from __future__ import annotations

import random
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from fanjing.common.identity import read_document
from fanjing.errors import FanjingError
from fanjing.healthkit.declaration import declare
from fanjing.healthkit.designation_followers import POPUP_FOLLOWERS
from fanjing.healthkit.popups import clear_popup, clear_popups, raise_popups_for
from fanjing.healthkit.service import create_account
from fanjing.healthkit.status import caller_status, lift_red, mark_red, status_of_user
from fanjing.healthkit.status_row import (
    computed_status,
    refresh_due_statuses,
    status_from_row,
    verify_statuses,
)
from fanjing.healthkit.store import AccountRow, PhoneBindingRow, PopupRow, RedMarkRow, StatusRow
from fanjing.infra.crypto import FieldCipher
from fanjing.infra.db import create_db_engine, upgrade
from fanjing.itinerary.store import VisitRow
from fanjing.places.service import designate, lift
from fanjing.places.store import DesignationRow, registry_in_database
from fanjing.policy.packfile import builtin_packs
from fanjing.policy.service import Checker
from fanjing.users.core import token_hash
from fanjing.users.service import add_user
from fanjing.users.store import UserRow
from tests.api_helpers import COMMUNITY
from tests.builders import add_visit
from tests.conftest import fresh_postgres_database

START = date(2021, 8, 7)
AREAS = ("河南省郑州市二七区京广路街道", "江苏省南京市江宁区禄口街道", "河北省廊坊市三河市")
CITIES = ("郑州市", "南京市", "廊坊市")
OPERATIONS = (
    "account",
    "visit",
    "declare",
    "mark",
    "lift_mark",
    "designate",
    "withdraw",
    "clear",
    "clear_person",
    "next_day",
)
CIPHER = FieldCipher((b"2Kh3WHCvK5rO0WZ3n2ZxH6hQe0VbgqgD4Cz5X6qUeTk=",), b"k" * 32)


class World:
    """The changes a sequence makes, through the services, in one session (rolled back)."""

    def __init__(self, session: Session, gazetteer: Any) -> None:
        self.session, self.parse = session, gazetteer.parse
        self.today = START
        self.documents: list[str] = []

    @property
    def now(self) -> datetime:
        return datetime.combine(self.today, datetime.min.time(), UTC) + timedelta(hours=2)

    def checker(self) -> Checker:
        return Checker(builtin_packs(), registry_in_database(self.session), self.parse, self.today)

    def accounts(self) -> list[AccountRow]:
        return list(self.session.scalars(select(AccountRow).order_by(AccountRow.id)))

    def pick(self, rows: list[Any], choice: int) -> Any:
        return rows[choice % len(rows)] if rows else None

    def apply(self, operation: str, choice: int) -> None:
        getattr(self, operation)(choice)

    def account(self, choice: int) -> None:
        index = len(self.documents)
        if index >= 3:
            return  # three people are enough to mix their changes
        user, _ = add_user(
            session=self.session,
            cipher=CIPHER,
            name=f"市民{index}",
            role="citizen",
            community=None,
            parse_place=self.parse,
            actor="t",
            now=self.now,
        )
        number = ("110101199003070011", "110101199003071233", "110101199003072412")[index]
        self.documents.append(number)
        create_account(
            session=self.session,
            cipher=CIPHER,
            user_id=user.id,
            name=f"市民{index}",
            document=read_document("resident_id", number, today=self.today),
            community=COMMUNITY,
            now=self.now,
        )

    def visit(self, choice: int) -> None:
        account = self.pick(self.accounts(), choice)
        if account is None:
            return
        phone = f"139{account.id:08d}"
        phone_hash = CIPHER.lookup_hash(phone)
        if self.session.get(PhoneBindingRow, account.id) is None:
            self.session.add(
                PhoneBindingRow(
                    id=account.id,
                    account_id=account.id,
                    phone_encrypted=CIPHER.encrypt(phone),
                    phone_hash=phone_hash,
                    platform="wechat",
                    state="active",
                    bound_at=self.now,
                )
            )
        day = self.today - timedelta(days=choice % 12)
        city = f"{('河南省', '江苏省', '河北省')[choice % 3]}{CITIES[choice % 3]}"
        if self.session.get(VisitRow, (phone_hash, day, city)) is None:
            add_visit(self.session, phone_hash, city, day)
        self.session.flush()

    def declare(self, choice: int) -> None:
        account = self.pick(self.accounts(), choice)
        if account is None:
            return
        left = self.today - timedelta(days=choice % 20)
        arrival = self.today + timedelta(days=choice % 3)
        situation = {
            "as_of": self.today.isoformat(),
            "arrival": arrival.isoformat(),
            "stays": [
                {
                    "place": AREAS[choice % 3],
                    "from": (left - timedelta(days=2)).isoformat(),
                    "to": left.isoformat(),
                }
            ],
        }
        declare(
            session=self.session,
            checker=self.checker(),
            account=account,
            situation=situation,
            now=self.now,
        )

    def mark(self, choice: int) -> None:
        if not self.documents:
            return
        mark_red(
            session=self.session,
            cipher=CIPHER,
            document=read_document("resident_id", self.pick(self.documents, choice), today=START),
            kind=("confirmed_case", "close_contact")[choice % 2],
            reason="流调",
            actor="cdc",
            today=self.today,
            now=self.now,
        )

    def lift_mark(self, choice: int) -> None:
        marks = list(self.session.scalars(select(RedMarkRow).where(RedMarkRow.lifted_on.is_(None))))
        mark = self.pick(marks, choice)
        if mark is not None:
            lift_red(
                session=self.session,
                mark_id=mark.id,
                reason="排除",
                actor="cdc",
                today=self.today,
                now=self.now,
            )

    def designate(self, choice: int) -> None:
        row = designate(
            session=self.session,
            level=("high", "medium")[choice % 2],
            area=AREAS[choice % 3],
            start=self.today + timedelta(days=choice % 5 - 2),
            end=None,
            parse_place=self.parse,
            actor="cdc",
            now=self.now,
        )
        raise_popups_for(
            session=self.session, designation_ids=[row.id], today=self.today, now=self.now
        )

    def withdraw(self, choice: int) -> None:
        rows = list(self.session.scalars(select(DesignationRow).order_by(DesignationRow.id)))
        row = self.pick(rows, choice)
        if row is not None:  # a last day before its first: withdrawn, its pop-ups with it
            lift(
                session=self.session,
                designation_id=row.id,
                last_day=row.from_date - timedelta(days=1),
                actor="cdc",
                now=self.now,
                followers=POPUP_FOLLOWERS,
            )

    def _open_popups(self) -> list[PopupRow]:
        return list(
            self.session.scalars(
                select(PopupRow).where(PopupRow.cleared_at.is_(None)).order_by(PopupRow.id)
            )
        )

    def clear(self, choice: int) -> None:
        popup = self.pick(self._open_popups(), choice)
        if popup is not None:
            clear_popup(
                session=self.session,
                popup_id=popup.id,
                community=COMMUNITY,
                actor="社工",
                reason="已核实",
                today=self.today,
                now=self.now,
            )

    def clear_person(self, choice: int) -> None:
        popup = self.pick(self._open_popups(), choice)
        if popup is not None:
            clear_popups(
                session=self.session,
                account_id=popup.account_id,
                city=popup.city if choice % 2 else None,
                community=COMMUNITY,
                actor="社工",
                reason="已核实",
                today=self.today,
                now=self.now,
            )

    def next_day(self, choice: int) -> None:
        self.today += timedelta(days=1 + choice % 7)
        refresh_due_statuses(session=self.session, today=self.today)


def assert_rows_hold(world: World) -> None:
    session = world.session
    assert list(verify_statuses(session=session, today=world.today)) == []
    for account in world.accounts():
        row = session.get_one(StatusRow, account.id)
        shown = status_of_user(session, account.user_id, world.today)
        computed = computed_status(session, account.id, world.today)
        assert shown is not None
        assert (shown.colour, shown.history, shown.popups, shown.version) == (
            computed.colour,
            computed.history,
            computed.popups,
            row.version,
        )


def run(world: World, steps: list[tuple[str, int]]) -> set[str]:
    """Apply the steps, checking every row after each; what the rows showed on the way."""
    seen: set[str] = set()
    for operation, choice in steps:
        try:
            world.apply(operation, choice)
        except FanjingError as refusal:  # every step is built to be accepted
            pytest.fail(f"{operation}({choice}) was refused: {refusal}")
        assert_rows_hold(world)
        for row in world.session.scalars(select(StatusRow)):
            seen |= {row.colour, *(["popup"] if row.popup else [])}
        if world.session.scalar(select(PopupRow.id).where(PopupRow.cleared_at.is_not(None))):
            seen.add("cleared")
    return seen


STEPS = st.lists(
    st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 1_000)), min_size=1, max_size=30
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_every_row_equals_its_sources_after_any_changes(engine, gazetteer, steps):
    with Session(engine) as session:
        world = World(session, gazetteer)
        world.account(0)
        try:
            run(world, steps)
        finally:
            session.rollback()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_long_seeded_sequences_pass_through_every_colour_and_pop_up(engine, gazetteer, seed):
    """Hypothesis keeps its sequences short; these are long enough to reach pop-ups raised
    on cards and declarations and then cleared or withdrawn, yellow and red, days passing."""
    randomly = random.Random(seed)
    steps = [(randomly.choice(OPERATIONS), randomly.randrange(1_000)) for _ in range(120)]
    with Session(engine) as session:
        world = World(session, gazetteer)
        world.account(0)
        try:
            seen = run(world, steps)
        finally:
            session.rollback()
    assert seen >= {"green", "yellow", "red", "popup", "cleared"}


def test_a_row_past_its_days_is_computed_from_the_sources_until_the_daily_job(engine, gazetteer):
    with Session(engine) as session:
        world = World(session, gazetteer)
        world.account(0)
        world.mark(0)
        account = world.accounts()[0]
        mark = session.scalar(select(RedMarkRow))
        assert mark is not None
        world.today += timedelta(days=3)
        lift_red(
            session=session,
            mark_id=mark.id,
            reason="排除",
            actor="cdc",
            today=world.today,
            now=world.now,
        )
        row = session.get_one(StatusRow, account.id)
        assert (row.colour, row.valid_until) == ("green", None)
        version = row.version

        # a declaration's observation ends on its own: the row says until when it holds
        world.designate(0)  # high risk, from two days ago: the declared stay is in it
        world.declare(0)
        row = session.get_one(StatusRow, account.id)
        assert row.colour == "yellow" and row.valid_until is not None and row.version == version + 1
        ends = row.valid_until
        later = ends + timedelta(days=1)
        assert (
            status_from_row(session, row, later).colour.value
            == computed_status(session, account.id, later).colour.value
        )
        assert [d.account_id for d in verify_statuses(session=session, today=later)] == [account.id]
        assert refresh_due_statuses(session=session, today=later) == 1
        assert list(verify_statuses(session=session, today=later)) == []
        session.rollback()


def test_withdrawing_the_designation_behind_a_pop_up_takes_it_off_the_row(engine, gazetteer):
    """Raising sets the row's pop-up flag and list; withdrawing the one designation behind them
    clears both, and leaves the row of someone it never touched as it was."""
    with Session(engine) as session:
        world = World(session, gazetteer)
        world.account(0)
        world.account(0)
        touched, untouched = world.accounts()
        world.visit(0)  # the first account's number in Zhengzhou today
        world.designate(0)  # Zhengzhou's 二七区, from two days ago
        raised = session.get_one(StatusRow, touched.id)
        assert raised.popup is True and len(raised.popups) == 1
        before = session.get_one(StatusRow, untouched.id).version

        world.withdraw(0)
        session.expire_all()
        withdrawn = session.get_one(StatusRow, touched.id)
        assert (withdrawn.popup, withdrawn.popups) == (False, [])
        assert session.get_one(StatusRow, untouched.id).version == before
        assert list(verify_statuses(session=session, today=world.today)) == []
        session.rollback()


def test_the_status_read_by_token_is_one_row_and_refuses_expired_tokens(engine, gazetteer):
    with Session(engine) as session:
        world = World(session, gazetteer)
        user, token = add_user(
            session=session,
            cipher=CIPHER,
            name="王五",
            role="citizen",
            community=None,
            parse_place=gazetteer.parse,
            actor="t",
            now=world.now,
        )
        session.commit()
        try:
            with engine.connect() as connection:
                assert caller_status(connection, token_hash(token), START, world.now) == (
                    "citizen",
                    None,
                )
            create_account(
                session=session,
                cipher=CIPHER,
                user_id=user.id,
                name="王五",
                document=read_document("resident_id", "110101199003070011", today=START),
                community=None,
                now=world.now,
            )
            session.commit()
            with engine.connect() as connection:
                role, status = caller_status(connection, token_hash(token), START, world.now)
                assert role == "citizen" and status is not None
                assert (status.colour.value, status.popups, status.version) == ("green", [], 0)
                expired = session.get_one(UserRow, user.id).token_expires_at + timedelta(seconds=1)
                assert caller_status(connection, token_hash(token), START, expired) == (None, None)
        finally:
            session.rollback()


@pytest.mark.pg
def test_a_fan_out_waiting_on_a_clear_sees_it_and_overwrites_nothing(gazetteer):
    """PostgreSQL, two transactions at once: a community worker clears a person's pop-up while
    a designation's fan-out raises them another. The fan-out waits for the row, then reads
    the pop-ups after the clear committed: the row shows the new pop-up only."""
    with fresh_postgres_database() as url:
        engine = create_db_engine(url)
        upgrade(engine)
        try:
            with Session(engine) as session:
                world = World(session, gazetteer)
                world.account(0)
                world.visit(3)  # 郑州市, three days ago
                world.designate(3)  # medium, 京广路街道, from tomorrow: the visit counts, a pop-up
                second = designate(
                    session=session,
                    level="high",
                    area="河南省郑州市二七区",
                    start=START,
                    end=None,
                    parse_place=gazetteer.parse,
                    actor="cdc",
                    now=world.now,
                )
                session.commit()
                first_popup = session.scalar(select(PopupRow.id))
                second_id, account_id, now = second.id, world.accounts()[0].id, world.now
            assert first_popup is not None

            clearing = Session(engine)
            clear_popup(
                session=clearing,
                popup_id=first_popup,
                community=COMMUNITY,
                actor="社工",
                reason="已核实",
                today=START,
                now=now,
            )

            def fan_out() -> None:
                with Session(engine) as raising:
                    raise_popups_for(
                        session=raising, designation_ids=[second_id], today=START, now=now
                    )
                    raising.commit()

            raising = threading.Thread(target=fan_out)
            raising.start()
            raising.join(timeout=1.0)
            assert raising.is_alive()  # waiting for the clear's lock on the row
            clearing.commit()
            clearing.close()
            raising.join(timeout=30)
            assert not raising.is_alive()

            with Session(engine) as session:
                row = session.get_one(StatusRow, account_id)
                assert [p["id"] for p in row.popups] == [first_popup + 1] and row.popup
                assert row.version == 3  # raised, cleared, raised
                assert list(verify_statuses(session=session, today=START)) == []
        finally:
            engine.dispose()

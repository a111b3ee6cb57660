"""Accounts and phone bindings (H3), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from fanjing.common.identity import read_document
from fanjing.errors import FanjingError
from fanjing.healthkit.sender import LogSender
from fanjing.healthkit.service import (
    account_view,
    confirm_binding,
    create_account,
    start_binding,
    unbind,
)
from fanjing.healthkit.store import AccountRow, PhoneBindingRow, purge_grey_numbers
from fanjing.infra.crypto import FieldCipher
from fanjing.infra.db import session_scope
from fanjing.infra.rate_limits import RateLimits
from fanjing.users.service import add_user

NOW = datetime(2021, 8, 7, 2, 0, tzinfo=UTC)
TODAY = date(2021, 8, 7)
ID = "11010519491231002X"
PHONE = "13912345678"


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher([Fernet.generate_key()], b"k" * 32)


def make_account(engine, gazetteer, cipher, name="张三", number=ID) -> int:
    with session_scope(engine) as session:
        user, _ = add_user(
            session=session,
            cipher=cipher,
            name=f"u{number}",
            role="citizen",
            community=None,
            parse_place=gazetteer.parse,
            actor="t",
            now=NOW,
        )
        document = read_document("resident_id", number, today=TODAY)
        return create_account(
            session=session,
            cipher=cipher,
            user_id=user.id,
            name=name,
            document=document,
            community=None,
            now=NOW,
        ).id


def send_code(engine, cipher, account_id, phone=PHONE, platform="wechat", sender=None) -> str:
    """Start binding ``phone`` on the account; the one-time code the sender got."""
    sender = sender or LogSender()
    with session_scope(engine) as session:
        account = session.get(AccountRow, account_id)
        start_binding(
            session=session,
            cipher=cipher,
            sender=sender,
            limits=RateLimits(),  # each send its own: these tests are not about the limits
            account=account,
            phone=phone,
            platform=platform,
            now=NOW,
        )
    return sender.sent[-1][1]


def confirm(engine, cipher, account_id, code, phone=PHONE, platform="wechat") -> PhoneBindingRow:
    with session_scope(engine) as session:
        account = session.get(AccountRow, account_id)
        return confirm_binding(
            session=session,
            engine=engine,
            cipher=cipher,
            account=account,
            phone=phone,
            platform=platform,
            code=code,
            now=NOW,
        )


def bind(engine, cipher, account_id, phone=PHONE, platform="wechat") -> PhoneBindingRow:
    code = send_code(engine, cipher, account_id, phone, platform)
    return confirm(engine, cipher, account_id, code, phone, platform)


def test_nothing_personal_is_stored_in_clear(engine, gazetteer, cipher):
    account_id = make_account(engine, gazetteer, cipher)
    bind(engine, cipher, account_id)
    with engine.connect() as connection:
        dump = " ".join(
            str(value)
            for table in ("healthkit_account", "phone_binding", "one_time_code")
            for row in connection.execute(text(f"SELECT * FROM {table}"))
            for value in row
        )
    assert ID not in dump and PHONE not in dump and "张三" not in dump


def test_binding_needs_the_code_and_shows_masked(engine, gazetteer, cipher):
    account_id = make_account(engine, gazetteer, cipher)
    sender = LogSender()
    code = send_code(engine, cipher, account_id, sender=sender)
    assert sender.sent[0][0] == "139****5678"
    with pytest.raises(FanjingError) as raised:
        confirm(engine, cipher, account_id, "000000" if code != "000000" else "111111")
    assert raised.value.code == "wrong_code"
    confirm(engine, cipher, account_id, code)  # a wrong try leaves the right code usable
    with session_scope(engine) as session:
        account = session.get(AccountRow, account_id)
        bindings = list(session.scalars(select(PhoneBindingRow)))
        view = account_view(account, bindings, cipher, reveal=False)
        full = account_view(account, bindings, cipher, reveal=True)
    assert (view.name, view.document, view.phones[0].number) == (
        "张*",
        "110105********002X",
        "139****5678",
    )
    assert (full.name, full.document, full.phones[0].number) == ("张三", ID, PHONE)


def test_unbinding_only_on_the_authorising_platform_then_grey_for_14_days(
    engine, gazetteer, cipher
):
    account_id = make_account(engine, gazetteer, cipher)
    bind(engine, cipher, account_id, platform="wechat")
    with pytest.raises(FanjingError) as raised, session_scope(engine) as session:
        unbind(
            session=session,
            cipher=cipher,
            account=session.get(AccountRow, account_id),
            phone=PHONE,
            platform="alipay",
            today=TODAY,
            now=NOW,
        )
    assert raised.value.code == "wrong_platform" and "请在微信端" in raised.value.message
    with session_scope(engine) as session:
        binding = unbind(
            session=session,
            cipher=cipher,
            account=session.get(AccountRow, account_id),
            phone=PHONE,
            platform="wechat",
            today=TODAY,
            now=NOW,
        )
        assert (binding.state, binding.delete_on) == ("grey", date(2021, 8, 21))
    with session_scope(engine) as session:
        assert purge_grey_numbers(session=session, today=date(2021, 8, 20)) == 0
    with session_scope(engine) as session:
        assert purge_grey_numbers(session=session, today=date(2021, 8, 21)) == 1
        assert session.scalars(select(PhoneBindingRow)).all() == []


def test_a_number_belongs_to_one_account(engine, gazetteer, cipher):
    first = make_account(engine, gazetteer, cipher)
    second = make_account(engine, gazetteer, cipher, name="李四", number="110101199003071233")
    bind(engine, cipher, first)
    with pytest.raises(FanjingError) as raised:
        bind(engine, cipher, second)
    assert raised.value.code == "phone_bound_elsewhere"


def test_two_simultaneous_binds_of_one_number_cannot_both_succeed(engine, gazetteer, cipher):
    accounts = [
        make_account(engine, gazetteer, cipher, name=f"人{i}", number=number)
        for i, number in enumerate(["110101199003071233", "11010119900307125X"])
    ]
    codes = {account_id: send_code(engine, cipher, account_id) for account_id in accounts}
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def confirm_at_once(account_id: int) -> None:
        try:
            with session_scope(engine) as session:
                account = session.get(AccountRow, account_id)
                barrier.wait()
                confirm_binding(
                    session=session,
                    engine=engine,
                    cipher=cipher,
                    account=account,
                    phone=PHONE,
                    platform="wechat",
                    code=codes[account_id],
                    now=NOW,
                )
            outcomes[account_id] = "bound"
        except FanjingError as problem:
            outcomes[account_id] = problem.code
        except Exception as problem:  # SQLite may also refuse a concurrent writer
            outcomes[account_id] = type(problem).__name__

    threads = [threading.Thread(target=confirm_at_once, args=(a,)) for a in accounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()).count("bound") == 1
    with session_scope(engine) as session:
        assert len(session.scalars(select(PhoneBindingRow)).all()) == 1

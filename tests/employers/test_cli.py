"""``fanjing employers …`` as an operator runs it: registering an organisation and its user,
refusals as one line and exit 2, and the staff list (masked) on screen and in Excel."""

from __future__ import annotations

from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from fanjing.common.identity import read_document
from fanjing.employers.service import link_employer
from fanjing.employers.store import EmployerRow
from fanjing.healthkit.service import create_account
from fanjing.infra.crypto import load_field_cipher
from fanjing.infra.db import create_db_engine, session_scope
from fanjing.settings import Settings
from fanjing.users.service import add_user
from tests.cli_helpers import run_fanjing
from tests.employers.helpers import CREDIT_CODE, ID


def _link_a_citizen(folder, gazetteer) -> None:
    """张三's account linked to the employer, as the health-kit page would (same var/)."""
    settings = Settings(var_dir=folder / "var", database_url="")
    cipher = load_field_cipher(settings)
    engine = create_db_engine(f"sqlite:///{folder / 'var' / 'fanjing.db'}")
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        user, _ = add_user(
            session=session,
            cipher=cipher,
            name="张三",
            role="citizen",
            community=None,
            parse_place=gazetteer.parse,
            actor="test",
            now=now,
        )
        document = read_document("resident_id", ID, today=now.date())
        create_account(
            session=session,
            cipher=cipher,
            user_id=user.id,
            name="张三",
            document=document,
            community=None,
            now=now,
        )
        code = session.scalars(select(EmployerRow.code)).one()
        link_employer(session=session, user=user, code=code, now=now)
    engine.dispose()


def test_an_operator_registers_an_employer_and_its_user_and_lists_its_staff(tmp_path, gazetteer):
    added = run_fanjing(
        tmp_path, "employers", "add", "北京海淀某科技有限公司",
        "--credit-code", CREDIT_CODE.lower(), "--district", "海淀区",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert f"海淀区，{CREDIT_CODE}" in added.stdout and "单位代码" in added.stdout
    twice = run_fanjing(
        tmp_path, "employers", "add", "另一家", "--credit-code", CREDIT_CODE, "--district", "海淀区"
    )
    assert twice.returncode == 2 and twice.stderr.startswith("错误：")
    assert "位置：字段 credit_code" in twice.stderr and "Traceback" not in twice.stderr
    user = run_fanjing(tmp_path, "employers", "user", "add", "单位人事", "--employer", CREDIT_CODE)
    assert user.returncode == 0, user.stderr
    assert user.stdout.splitlines()[-1].startswith("fj_")
    listed = run_fanjing(tmp_path, "employers", "list")
    assert listed.returncode == 0 and f"{CREDIT_CODE}  " in listed.stdout
    _link_a_citizen(tmp_path, gazetteer)
    shown = run_fanjing(tmp_path, "employers", "staff", CREDIT_CODE, "--day", "2021-08-10")
    assert shown.returncode == 0, shown.stderr
    assert "员工：1 名" in shown.stdout and "张*｜-｜-｜可正常到岗" in shown.stdout
    assert "张三" not in shown.stdout
    sheet = tmp_path / "staff.xlsx"
    exported = run_fanjing(tmp_path, "employers", "staff", CREDIT_CODE, "--xlsx", str(sheet))
    assert exported.returncode == 0, exported.stderr
    rows = list(load_workbook(sheet).worksheets[0].iter_rows(min_row=3, values_only=True))
    assert rows == [("张*", None, None, "可正常到岗")]


def test_a_bad_credit_code_is_one_line_and_exit_2(tmp_path):
    wrong = run_fanjing(
        tmp_path, "employers", "add", "某公司", "--credit-code", "91110108600037341A",
        "--district", "海淀区",
    )  # fmt: skip
    assert wrong.returncode == 2
    assert wrong.stderr.strip() == (
        "错误：统一社会信用代码“91110108600037341A”的校验码不符，请核对（位置：字段 credit_code）"
    )
    unknown = run_fanjing(tmp_path, "employers", "staff", CREDIT_CODE)
    assert unknown.returncode == 2 and "没有统一社会信用代码" in unknown.stderr

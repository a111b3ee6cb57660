"""Checkpoints and commuters: add a checkpoint and bind its staff, register a commuter, check a
commuter's 14-day test through the policy pack, and record what a checkpoint did (results
queued offline arrive later, each kept once). Every change is audited."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from fanjing.audit import service as audit
from fanjing.checkpoints.core import (
    Outcome,
    ScanResult,
    check_scan,
    commuter_home,
    employer_name,
    last_negative_test,
)
from fanjing.checkpoints.store import (
    CheckpointResultRow,
    CheckpointRow,
    CheckpointStaffRow,
    CommuterRow,
    account_id_with_document_hash,
    checkpoint_name_taken,
    checkpoint_with_name,
    commuter_with_account,
    latest_results_of,
    result_with_client_id,
    test_proof_days_of,
)
from fanjing.common.identity import Document
from fanjing.community.store import tests_of_person
from fanjing.errors import Code, FanjingError, InputErrors, Where
from fanjing.healthkit.store import AccountRow
from fanjing.infra.crypto import FieldCipher
from fanjing.places.core import Place
from fanjing.policy.service import Checker
from fanjing.users.core import Role
from fanjing.users.store import UserRow

TEST_RULE = "entry.commuter_test"
OUTCOMES_ZH = {o.value: o.label_zh for o in Outcome}


def add_checkpoint(
    *,
    session: Session,
    name: str,
    district: str,
    parse_place: Callable[[str], Place],
    actor: str,
    now: datetime,
) -> CheckpointRow:
    """A checkpoint in a district of Beijing; names are unique."""
    name = name.strip()
    if not name:
        raise FanjingError(Code.BAD_VALUE, "检查站名称不能为空", Where(field="name"))
    place = parse_place(district)
    if not place.in_beijing or not place.county_known:
        raise FanjingError(
            Code.BAD_VALUE,
            f"“{district}”不是北京市的区（如 北京市通州区）",
            Where(field="district"),
        )
    if checkpoint_name_taken(session, name):
        raise FanjingError(Code.CHECKPOINT_EXISTS, f"检查站“{name}”已存在", Where(field="name"))
    row = CheckpointRow(name=name, district=place.name, created_at=now, created_by=actor)
    _add_audited(
        session,
        row,
        action="checkpoint.add",
        entity="checkpoint",
        after={"name": row.name, "district": row.district},
        actor=actor,
        now=now,
    )
    return row


def _add_audited(
    session: Session,
    row: CheckpointRow | CheckpointResultRow,
    *,
    action: str,
    entity: str,
    after: dict[str, Any],
    actor: str,
    now: datetime,
) -> None:
    """Insert ``row`` and audit its addition, by the id the insert gave it."""
    session.add(row)
    session.flush()
    audit.record(
        session, actor=actor, at=now, action=action, entity=entity, entity_id=row.id, after=after
    )


def checkpoint_named(session: Session, name: str) -> CheckpointRow:
    row = checkpoint_with_name(session, name.strip())
    if row is None:
        raise FanjingError(Code.NOT_FOUND, f"没有名为“{name}”的检查站", Where(field="checkpoint"))
    return row


def bind_staff(
    *, session: Session, user: UserRow, checkpoint: CheckpointRow, actor: str, now: datetime
) -> None:
    """Bind a ``checkpoint`` user to one checkpoint (again: moves them to another)."""
    if user.role != Role.CHECKPOINT.value:
        raise FanjingError(
            Code.BAD_VALUE,
            f"只有检查站工作人员可以绑定检查站（{user.name} 不是）",
            Where(field="user"),
        )
    row = session.get(CheckpointStaffRow, user.id)
    before = {"checkpoint": row.checkpoint_id} if row else None
    if row is None:
        session.add(CheckpointStaffRow(user_id=user.id, checkpoint_id=checkpoint.id))
    else:
        row.checkpoint_id = checkpoint.id
    audit.record(
        session,
        actor=actor,
        at=now,
        action="checkpoint.staff_bind",
        entity="app_user",
        entity_id=user.id,
        before=before,
        after={"checkpoint": checkpoint.id},
    )


def checkpoint_of(session: Session, user: UserRow) -> CheckpointRow:
    """The checkpoint a checkpoint user works at; 403 while they are bound to none."""
    row = session.get(CheckpointStaffRow, user.id)
    if row is None:
        raise FanjingError(
            Code.FORBIDDEN, "尚未绑定检查站：请管理员运行 fanjing checkpoints staff add"
        )
    return session.get_one(CheckpointRow, row.checkpoint_id)


def register_commuter(
    *,
    session: Session,
    account: AccountRow,
    employer: str,
    home: str,
    parse_place: Callable[[str], Place],
    actor: str,
    now: datetime,
) -> CommuterRow:
    """Register (or update) the account's holder as a commuter."""
    errors = []
    try:
        employer = employer_name(employer)
    except FanjingError as problem:
        errors.append(problem)
    try:
        home_name = commuter_home(parse_place(home))
    except FanjingError as problem:
        errors.append(FanjingError(problem.code, problem.message, Where(field="home")))
    if errors:
        raise InputErrors(errors)
    row = commuter_with_account(session, account.id)
    before = {"employer": row.employer, "home": row.home} if row else None
    if row is None:
        row = CommuterRow(
            account_id=account.id, employer=employer, home=home_name, registered_at=now
        )
        session.add(row)
    else:
        row.employer, row.home = employer, home_name
    session.flush()
    audit.record(
        session,
        actor=actor,
        at=now,
        action="commuter.register",
        entity="commuter",
        entity_id=row.id,
        before=before,
        after={"employer": row.employer, "home": row.home},
    )
    return row


def commuter_by_document(session: Session, cipher: FieldCipher, document: Document) -> CommuterRow:
    account_id = account_id_with_document_hash(
        session, cipher.lookup_hash(f"{document.kind.value}:{document.number}")
    )
    commuter = commuter_with_account(session, account_id) if account_id is not None else None
    if commuter is None:
        raise FanjingError(
            Code.NOT_FOUND,
            f"证件号 {document.masked} 没有登记为环京通勤人员",
            Where(field="number"),
        )
    return commuter


@dataclass(frozen=True)
class CommuterCheck:
    """What the checkpoint sees of a commuter: the last negative test and the pack's word."""

    commuter_id: int
    employer: str
    home: str
    last_negative_test: date | None
    allowed: bool
    rule: str | None  # entry.commuter_test when it turned the commuter back
    clause: str | None
    reasons: tuple[str, ...]
    policy: str


def check_commuter(
    *,
    session: Session,
    commuter: CommuterRow,
    checker: Checker,
    today: date,
    temperature_normal: bool = True,
    health_code: str = "green",
    proof_on: date | None = None,
) -> CommuterCheck:
    """The pack's decision for the commuter entering today, on their last negative test: the
    results on record (community tests, proofs seen at checkpoints) and a proof shown now."""
    account = session.get_one(AccountRow, commuter.account_id)
    proofs = test_proof_days_of(session, commuter.id)
    results = [*tests_of_person(session, account.document_hash)]
    results += [(day, "negative") for day in proofs]
    if proof_on is not None:
        results.append((proof_on, "negative"))
    tested = last_negative_test(sorted(results, key=lambda r: r[0], reverse=True))
    decision = checker.check(
        {
            "as_of": today.isoformat(),
            "arrival": today.isoformat(),
            "commuter": True,
            "health_code": health_code,
            "temperature_normal": temperature_normal,
            "last_negative_test": tested.isoformat() if tested else None,
        }
    )
    pack, _ = checker.pack_for(today)
    turned_back = TEST_RULE in decision.rules_applied
    clause = next((r.clause for r in pack.rules if r.id == TEST_RULE), None)
    return CommuterCheck(
        commuter.id,
        commuter.employer,
        commuter.home,
        tested,
        decision.entry.allowed,
        TEST_RULE if turned_back else None,
        clause,
        decision.reasons,
        f"{decision.policy.id} {decision.policy.version}",
    )


def record_results(
    *,
    session: Session,
    checkpoint: CheckpointRow,
    scans: Sequence[ScanResult],
    actor: str,
    now: datetime,
    today: date,
) -> list[tuple[CheckpointResultRow, bool]]:
    """Keep each result once: one sent again (a queue replayed after a lost answer) is
    returned as kept before, not kept twice. Returns (row, newly kept) for each."""
    for scan in scans:
        check_scan(scan, now=now, today=today)
        if scan.commuter_id is not None and session.get(CommuterRow, scan.commuter_id) is None:
            raise FanjingError(
                Code.NOT_FOUND, f"没有通勤人员 #{scan.commuter_id}", Where(field="commuter_id")
            )
    kept = []
    for scan in scans:
        found = result_with_client_id(session, scan.client_id)
        if found is not None:
            kept.append((found, False))
            continue
        row = CheckpointResultRow(
            client_id=scan.client_id,
            checkpoint_id=checkpoint.id,
            outcome=scan.outcome.value,
            colour=scan.colour,
            popup=scan.popup,
            masked_name=scan.masked_name,
            pass_expires_at=scan.pass_expires_at,
            temperature=scan.temperature,
            commuter_id=scan.commuter_id,
            test_proof_on=scan.test_proof_on,
            checked_at=scan.checked_at,
            recorded_at=now,
            recorded_by=actor,
        )
        _add_audited(
            session,
            row,
            action="checkpoint_result.record",
            entity="checkpoint_result",
            after=result_snapshot(row),
            actor=actor,
            now=now,
        )
        kept.append((row, True))
    return kept


def result_snapshot(row: CheckpointResultRow) -> dict[str, Any]:
    return {
        "checkpoint": row.checkpoint_id,
        "outcome": row.outcome,
        "colour": row.colour,
        "popup": row.popup,
        "masked_name": row.masked_name,
        "temperature": str(row.temperature),
        "commuter": row.commuter_id,
        "test_proof_on": row.test_proof_on.isoformat() if row.test_proof_on else None,
        "checked_at": row.checked_at.isoformat(),
    }


def recent_results(
    session: Session, checkpoint: CheckpointRow, limit: int = 50
) -> list[CheckpointResultRow]:
    return latest_results_of(session, checkpoint.id, limit)

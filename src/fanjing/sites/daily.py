"""Daily work at a site: temperature and symptoms twice a day, nucleic acid tests on the pack's
days of observation (recorded on the community's case, through its service), a positive result
escalated at once (a red mark through the health kit's service, and the room's neighbours
flagged). Leaving a site (checkout, early release, transfer): leaving.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.common.identity import Document, DocumentKind
from fanjing.community.follow_up import NucleicAcidResult, celsius_of, record_check, record_test
from fanjing.community.store import ArrivalReportRow, CaseRow, NucleicAcidTestRow
from fanjing.errors import Code, FanjingError, Where
from fanjing.healthkit.status import mark_red
from fanjing.infra.crypto import FieldCipher
from fanjing.policy.core.pack import Pack, pack_in_force
from fanjing.sites.core import CHECK_SLOTS, neighbours
from fanjing.sites.placement_store import community_check_on, placements_in_rooms, site_check_made
from fanjing.sites.room_store import rooms_on_floor
from fanjing.sites.service import site_by_id
from fanjing.sites.store import EscalationRow, PlacementRow, RoomRow, SiteCheckRow


def site_test_days(packs: Sequence[Pack], day: date) -> tuple[int, ...]:
    """The days of observation with a nucleic acid test under the pack in force on ``day``."""
    pack = pack_in_force(packs, day)
    sites = pack.spec.observation_sites if pack is not None else None
    return sites.test_days if sites is not None else ()


def current_placement(session: Session, placement_id: int, site_id: int | None) -> PlacementRow:
    """A placement still running, at the viewer's site (``site_id`` None: CDC, any site)."""
    placement = session.get(PlacementRow, placement_id)
    room = session.get(RoomRow, placement.room_id) if placement else None
    if placement is None or room is None or (site_id is not None and room.site_id != site_id):
        raise FanjingError(Code.NOT_FOUND, f"没有编号为 {placement_id} 的安置", Where(field="id"))
    if placement.ended_at is not None:
        raise FanjingError(Code.ALREADY_ENDED, f"该安置已于 {placement.ended_on} 结束")
    return placement


def record_site_check(
    *,
    session: Session,
    placement: PlacementRow,
    day: date,
    slot: str,
    temperature: str,
    symptoms: list[str],
    actor: str,
    today: date,
    now: datetime,
) -> SiteCheckRow:
    """A morning or afternoon check. The day's first check is also the community case's daily
    check (the community's service validates the temperature and keeps its worklist right)."""
    celsius_of(temperature)  # refused before anything is written
    if slot not in CHECK_SLOTS:
        raise FanjingError(
            Code.BAD_VALUE, f"未知时段“{slot}”（应为 morning 或 afternoon）", Where(field="slot")
        )
    case_row = session.get(CaseRow, placement.case_id)
    assert case_row is not None  # a placement's case: a foreign key
    if site_check_made(session, placement.id, day, slot):
        raise FanjingError(Code.ALREADY_CHECKED, f"{day} {slot} 的检测已登记", Where(field="slot"))
    community_check = community_check_on(session, case_row.id, day)
    if community_check is None:
        community_check = record_check(
            session=session,
            case=case_row,
            day=day,
            temperature=temperature,
            symptoms=symptoms,
            actor=actor,
            today=today,
            now=now,
        )
    row = SiteCheckRow(
        placement_id=placement.id,
        check_date=day,
        slot=slot,
        temperature=celsius_of(temperature),
        symptoms=[s.strip() for s in symptoms if s.strip()],
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor=actor,
        at=now,
        action="site.check",
        entity="site_check",
        entity_id=row.id,
        after={"placement_id": placement.id, "day": day.isoformat(), "slot": slot},
    )
    return row


def record_site_test(
    *,
    session: Session,
    cipher: FieldCipher,
    placement: PlacementRow,
    test: NucleicAcidResult,
    actor: str,
    today: date,
    now: datetime,
) -> NucleicAcidTestRow:
    """A nucleic acid result, kept on the community's case; a positive one is escalated."""
    case_row = session.get(CaseRow, placement.case_id)
    assert case_row is not None
    row = record_test(session=session, case=case_row, test=test, actor=actor, today=today, now=now)
    if test.result == "positive":
        escalate_positive(
            session=session,
            cipher=cipher,
            placement=placement,
            test=row,
            actor=actor,
            today=today,
            now=now,
        )
    return row


def escalate_positive(
    *,
    session: Session,
    cipher: FieldCipher,
    placement: PlacementRow,
    test: NucleicAcidTestRow,
    actor: str,
    today: date,
    now: datetime,
) -> list[EscalationRow]:
    """At once: the person red-marked (the health kit's service; a person without an account is
    reported to CDC all the same, by this escalation), and everyone in the same room or a
    neighbouring one (same site, same floor, number ± 1) flagged."""
    case_row = session.get(CaseRow, placement.case_id)
    report = session.get(ArrivalReportRow, case_row.report_id) if case_row else None
    assert report is not None
    document = Document(
        DocumentKind(report.document_kind), cipher.decrypt(report.document_encrypted)
    )
    red_mark_id, note = None, "核酸阳性：已标红码，报疾控"
    try:
        red_mark_id = mark_red(
            session=session,
            cipher=cipher,
            document=document,
            kind="confirmed_case",
            reason=f"集中观察点核酸阳性（{test.test_date}），待疾控复核",
            actor=actor,
            today=today,
            now=now,
        ).id
    except FanjingError as refused:
        if refused.code != "not_found":
            raise
        note = "核酸阳性：此人无健康宝账户，已报疾控"
    raised = [
        EscalationRow(
            placement_id=placement.id,
            kind="positive",
            source_placement_id=placement.id,
            test_id=test.id,
            red_mark_id=red_mark_id,
            raised_at=now,
            note=note,
        )
    ]
    for neighbour in _neighbour_placements(session, placement):
        raised.append(
            EscalationRow(
                placement_id=neighbour.id,
                kind="neighbour",
                source_placement_id=placement.id,
                test_id=test.id,
                raised_at=now,
                note=f"同住或相邻房间有人核酸阳性（{test.test_date}）：加测核酸，密切观察",
            )
        )
    session.add_all(raised)
    session.flush()
    record(
        session,
        actor=actor,
        at=now,
        action="site.escalate",
        entity="site_placement",
        entity_id=placement.id,
        after={
            "test_id": test.id,
            "red_mark_id": red_mark_id,
            "neighbours": [r.placement_id for r in raised[1:]],
        },
    )
    return raised


def _neighbour_placements(session: Session, placement: PlacementRow) -> list[PlacementRow]:
    room = session.get(RoomRow, placement.room_id)
    assert room is not None
    site = site_by_id(session, room.site_id)
    floor_rooms = rooms_on_floor(session, room.site_id, room.floor)
    near = [room.id] + [
        r.room_id for r in neighbours(room.to_core(site), [r.to_core(site) for r in floor_rooms])
    ]
    return placements_in_rooms(session, near, besides=placement.id)

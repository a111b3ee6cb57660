"""A new policy pack and the open cases (M10): preview who changes and how, then CDC approves
and the changes are applied, each audited with before and after. Nothing changes silently:
what is applied is the preview computed again at approval, in the same transaction."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy.orm import Session

from fanjing.audit.cache import PACKS, RevisionCache, commit_and_tell
from fanjing.audit.service import record
from fanjing.audit.store import raise_revision
from fanjing.community.core import (
    CaseChange,
    Measure,
    MeasureChange,
    changes_between,
    reevaluated_measures,
)
from fanjing.community.deciding import DecisionSpec, Outcome, decide_all, remember
from fanjing.community.reevaluate_store import (
    Plan,
    StoredKey,
    Writes,
    claim_draft,
    open_case_batches,
    open_situations,
    pack_as_stored,
    situation_text,
)
from fanjing.errors import Code, FanjingError, Where
from fanjing.policy.core.model import Situation
from fanjing.policy.core.pack import Pack
from fanjing.policy.packstore import compiled, draft, pack_snapshot
from fanjing.policy.service import Checker
from fanjing.policy.situation_json import read_situation
from fanjing.policy.store import PolicyPackRow


@dataclass(frozen=True)
class Preview:
    pack: PolicyPackRow
    cases: int  # open cases re-evaluated
    changes: list[CaseChange]  # only the cases that change
    failed: list[tuple[int, str]]  # cases the new pack cannot decide, and why


def preview_pack(
    *,
    session: Session,
    checker: Checker,
    row_id: int,
    progress: Callable[[int], None] = lambda cases: None,
    dask_scheduler: str = "",
) -> Preview:
    """What approving the draft pack ``row_id`` would change in the open cases;
    ``dask_scheduler``: where to decide the distinct situations (see ``deciding.decide_all``)."""
    row = draft(session, row_id)
    return _reevaluate(
        session, checker, row, apply=None, progress=progress, scheduler=dask_scheduler
    )


def approve_and_publish(
    *,
    session: Session,
    checker: Checker,
    row_id: int,
    actor: str,
    now: datetime,
    packs: RevisionCache[list[Pack]],
    dask_scheduler: str = "",
) -> Preview:
    """Approve the draft (``approve_pack``), commit, and tell this process's ``packs``: its
    next check must see the new pack. What the API and the CDC page both do."""
    applied = approve_pack(
        session=session,
        checker=checker,
        row_id=row_id,
        actor=actor,
        now=now,
        dask_scheduler=dask_scheduler,
    )
    commit_and_tell(session, packs)
    return applied


def approve_pack(
    *,
    session: Session,
    checker: Checker,
    row_id: int,
    actor: str,
    now: datetime,
    progress: Callable[[int], None] = lambda cases: None,
    dask_scheduler: str = "",
) -> Preview:
    """Approve the draft: the pack joins those in force from its day, and every open case's
    measures become what the preview shows, each case audited with before and after.

    The draft is claimed first, by one conditional UPDATE (draft → approved): of approvals
    made at once, exactly one changes the row, on PostgreSQL (the others wait for its row
    lock, then find it approved) and on SQLite (the UPDATE takes the write lock first); the
    others are refused with ``pack_not_draft`` (409). A failure later rolls the claim back
    with everything else.

    Four eyes: whoever uploaded the draft cannot approve it (``same_approver``); a policy that
    changes who may enter takes a second CDC member's look."""
    if not claim_draft(session, row_id, actor, now):
        pending = draft(session, row_id)  # says why: no such pack, or approved meanwhile
        raise FanjingError(
            Code.SAME_APPROVER,
            f"政策包 {pending.pack_id} {pending.version} 由 {actor} 上传，须由另一位疾控人员批准",
            Where(field="id"),
        )
    row = pack_as_stored(session, row_id)
    applied = _reevaluate(
        session, checker, row, apply=(actor, now), progress=progress, scheduler=dask_scheduler
    )
    before = {**pack_snapshot(row), "status": "draft"}
    raise_revision(session, PACKS)
    record(
        session,
        actor=actor,
        at=now,
        action="approve_pack",
        entity="policy_pack",
        entity_id=row.id,
        before=before,
        after={**pack_snapshot(row), "cases_changed": len(applied.changes)},
    )
    return applied


def _reevaluate(
    session: Session,
    checker: Checker,
    row: PolicyPackRow,
    *,
    apply: tuple[str, datetime] | None,
    progress: Callable[[int], None],
    scheduler: str,
) -> Preview:
    """Every open case under the draft pack. Open cases share situations (a list imported
    together, the same trip): each distinct situation is decided once, first, and each
    distinct pair of situation and current measures is compared once; then the cases are
    read batch by batch and take their pair's result. ``apply``: who approves and when, to
    write each batch's changes before the next is read (set-based statements, so memory
    stays flat)."""
    pack = compiled(row)
    spec = DecisionSpec.of(pack, row.text, f"policy_pack/{row.id}", checker.registry)
    remember(spec, pack, checker.registry)  # in this process: built already, and warm
    outcomes = _Outcomes(checker, spec)
    looked, changes, failed = 0, [], []
    results: dict[tuple[str, StoredKey], _Result] = {}
    with _no_cycle_collection():
        text_of_report = open_situations(session)
        outcomes.decide(set(text_of_report.values()), scheduler=scheduler)
        for batch in open_case_batches(session, lock=apply is not None):
            writes = Writes()
            for case_id, report_id, stored in batch:
                text = text_of_report.get(report_id) or situation_text(session, report_id)
                key = (text, tuple(values for _, values in stored))
                result = results.get(key)
                if result is None:
                    result = results[key] = _result(key[1], outcomes.of(text), pack)
                if result.failed is not None:
                    failed.append((case_id, result.failed))
                elif result.changes:
                    changes.append(CaseChange(case_id, result.changes))
                    if apply is not None:
                        writes.case(case_id, [measure_id for measure_id, _ in stored], result.plan)
            if apply is not None:
                writes.flush(session, pack=pack, actor=apply[0], now=apply[1])
            looked += len(batch)
            progress(len(batch))
    return Preview(row, looked, changes, failed)


class _Outcomes:
    """Each distinct situation text's outcome under the draft pack, decided once."""

    def __init__(self, checker: Checker, spec: DecisionSpec) -> None:
        self._checker = checker
        self._spec = spec
        self._by_text: dict[str, Outcome] = {}

    def decide(self, texts: Iterable[str], *, scheduler: str) -> None:
        """Parse each text, group the texts by the situation they give (the pack and the
        registry being the same for all, the situation is all that decides), and decide
        each distinct situation once."""
        texts_of: dict[Situation, list[str]] = {}
        for text in texts:
            if text in self._by_text:
                continue
            try:
                situation = read_situation(
                    orjson.loads(text),
                    parse_place=self._checker.parse_place,
                    today=self._checker.today,
                )
            except FanjingError as problem:
                self._by_text[text] = problem.message
                continue
            texts_of.setdefault(situation, []).append(text)
        distinct = list(texts_of)
        for situation, outcome in zip(
            distinct, decide_all(self._spec, distinct, scheduler=scheduler), strict=True
        ):
            for text in texts_of[situation]:
                self._by_text[text] = outcome

    def of(self, text: str) -> Outcome:
        """A case opened after the distinct situations were read is decided here and now."""
        if text not in self._by_text:
            self.decide([text], scheduler="")
        return self._by_text[text]


@dataclass(frozen=True)
class _Result:
    """What the draft pack does to one distinct pair of situation and current measures."""

    failed: str | None = None  # why the pack cannot decide
    changes: tuple[MeasureChange, ...] = ()
    plan: Plan | None = None  # the writes, when something changes


def _result(stored: StoredKey, outcome: Outcome, pack: Pack) -> _Result:
    if isinstance(outcome, str):
        return _Result(failed=outcome)
    current = [Measure(*values) for values in stored]
    after = reevaluated_measures(current, outcome, pack.in_force_from)
    changes = changes_between(0, current, after).changes
    if not changes:
        return _Result()
    return _Result(changes=changes, plan=Plan.between(current, after))


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off for the run: the changes found so far are hundreds of
    thousands of small objects, which every full collection would walk again and again
    (the run makes no reference cycles to collect)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

"""Employers (单位), pure: the unified social credit code of an organisation, the code its
employees link with, and what an employer may know of its staff — the measure each is under
and its last day, and the day each may come back to the workplace — nothing else of their
health (no results, temperatures or places). Days are calendar days in China Standard Time.

The seed (Q1): 进京后，应及时主动向所在社区和单位报告.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

from fanjing.community.core import TIMELINE, Measure
from fanjing.errors import Code, FanjingError, Where

# observation keeps a person away from the workplace; health monitoring and closed-loop
# management (M8: no gatherings) do not, but the employer sees them and their end
AWAY_FROM_WORK = ("centralized_observation", "home_observation")
SHOWN_TO_EMPLOYER = (*TIMELINE, "closed_loop_management")

# the employer code: no 0/O, 1/I/L, so that it reads aloud and types without confusion
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def read_credit_code(text: str, *, field: str = "credit_code") -> str:
    """A unified social credit code (统一社会信用代码, GB 32100-2015: 18 characters, the last
    a check character), upper-cased without spaces; refused with the reason otherwise."""
    try:
        return str(uscc.validate(text))
    except InvalidChecksum:
        message = f"统一社会信用代码“{text.strip()}”的校验码不符，请核对"
    except ValidationError:
        message = f"“{text.strip()}”不是统一社会信用代码（18位数字或大写字母）"
    raise FanjingError(Code.BAD_CREDIT_CODE, message, Where(field=field))


def read_employer_code(text: str, *, field: str = "code") -> str:
    """An employer code as an employee types it: case, spaces and hyphens do not matter."""
    code = "".join(text.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        raise FanjingError(
            Code.BAD_VALUE,
            f"单位代码应为 {CODE_LENGTH} 位字母或数字（单位提供）",
            Where(field=field),
        )
    return code


@dataclass(frozen=True)
class StaffMeasure:
    kind: str
    last_day: date | None  # inclusive; None: no fixed end yet


@dataclass(frozen=True)
class StaffStatus:
    """One linked employee as their employer sees them on ``day``."""

    link_id: int
    person: str  # masked
    day: date
    measures: tuple[StaffMeasure, ...]  # in force on the day or yet to come
    # the first day at the workplace: ``day`` itself when nothing keeps them away, None while
    # an observation has no fixed end (the community will say)
    return_day: date | None

    @property
    def at_work(self) -> bool:
        return self.return_day is not None and self.return_day <= self.day


def staff_status(link_id: int, person: str, measures: Sequence[Measure], day: date) -> StaffStatus:
    """What the employer sees: the measures of ``SHOWN_TO_EMPLOYER`` not over by ``day`` with
    their last days, and the return day — the first day after the last observation not yet
    over (its ``until``, as the community keeps it: ended early, adjusted by CDC)."""
    pending = [m for m in measures if m.kind in SHOWN_TO_EMPLOYER and _not_over(m, day)]
    pending.sort(key=lambda m: (m.start, m.kind))
    away = [m.until for m in pending if m.kind in AWAY_FROM_WORK]
    if any(until is None for until in away):
        back: date | None = None
    else:
        back = max([day, *(until for until in away if until is not None)])
    shown = tuple(StaffMeasure(m.kind, m.last_day()) for m in pending)
    return StaffStatus(link_id, person, day, shown, back)


def _not_over(measure: Measure, day: date) -> bool:
    until = measure.until
    return until is None or day < until


def reported_measures(measures: Sequence[Measure]) -> tuple[StaffMeasure, ...]:
    """The measures of an arrival report as its employer receives them: kind and last day."""
    return tuple(
        StaffMeasure(m.kind, m.last_day()) for m in measures if m.kind in SHOWN_TO_EMPLOYER
    )

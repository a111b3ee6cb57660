"""Explanations in Chinese, the way the 12345 hotline explains a decision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from fanjing.places.registry import Designation, StayJudgement
from fanjing.policy.core.model import Decision, Entry, Measure, MeasureKind, Situation

if TYPE_CHECKING:
    from fanjing.policy.core.decide import Firing
    from fanjing.policy.core.facts import JudgedStay
    from fanjing.policy.core.pack import Pack


@lru_cache(maxsize=4096)
def day_zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def month_day_zh(day: date) -> str:
    """``8月15日``: the short form of the headline and the plan (the year is the pack's)."""
    return f"{day.month}月{day.day}日"


@lru_cache(maxsize=4096)
def _designation_zh(designation: Designation) -> str:
    until = f"至{day_zh(designation.end)}" if designation.end else "起"
    return f"“{designation.area.name}”（{designation.level.label_zh}，{day_zh(designation.start)}{until}）"


def describe_stay(stay: JudgedStay) -> str:
    place, start, end = stay.stay.place, stay.stay.start, stay.stay.end
    return f"行程“{place.name}”（{day_zh(start)}至{day_zh(end)}）"


def judgement_zh(judgement: StayJudgement) -> str:
    """The strongest thing the registry says about a stay, naming the designation."""
    parts = []
    if judgement.level_designation is not None:
        parts.append(f"到过{_designation_zh(judgement.level_designation)}")
    elif judgement.risk_county_designation is not None:
        parts.append(f"所在县（市、区、旗）有{_designation_zh(judgement.risk_county_designation)}")
    if judgement.cases_designation is not None and not parts:
        parts.append(f"所在地级市有{_designation_zh(judgement.cases_designation)}")
    return "，".join(parts)


def _person_context(firing: Firing, situation: Situation) -> str:
    reads = firing.rule.reads
    parts = []
    if "health_code" in reads:
        parts.append(f"健康宝状态为{situation.health_code.label_zh}")
    if "contact" in reads and situation.contact:
        contact = situation.contact
        parts.append(f"{contact.role.label_zh}，最后接触日{day_zh(contact.last_contact)}")
    if "entered_china" in reads and situation.entered_china:
        entered = situation.entered_china
        parts.append(f"{day_zh(entered.day)}经{entered.port}入境")
    if "commuter" in reads and situation.commuter:
        parts.append("环京通勤人员")
    if "temperature_normal" in reads and not situation.temperature_normal:
        parts.append("测温异常")
    if "arrival" in reads and situation.arrival:
        parts.append(f"{day_zh(situation.arrival)}进京")
    return "，".join(parts) or "本人情况"


@lru_cache(maxsize=1024)
def _rule_sentence(title: str, rule_id: str, note: str | None, clause: str) -> str:
    note_text = f"{note}。" if note else ""
    return f"适用“{title}”（{rule_id}）。{note_text}依据：{clause}"


def reasons(
    firings: Sequence[Firing], judged: Sequence[JudgedStay], situation: Situation, entry: Entry
) -> list[str]:
    """One sentence per applied rule (which stay, which area, which designation, which clause),
    then what the person must still declare."""
    lines = []
    stay_contexts: dict[int, str] = {}  # a stay usually applies several rules: describe it once
    for firing in firings:
        rule = firing.rule
        if firing.stay is not None:
            context = stay_contexts.get(firing.stay.index)
            if context is None:
                context = f"{describe_stay(firing.stay)}：{judgement_zh(firing.stay.judgement)}"
                stay_contexts[firing.stay.index] = context
        else:
            context = _person_context(firing, situation)
        lines.append(f"{context}。{_rule_sentence(rule.title, rule.id, rule.note, rule.clause)}")
        late = _designated_after_arrival(firing, situation)
        if late is not None and late not in lines:  # M2 and M4 of one stay: said once
            lines.append(late)
    # a hold postpones a planned trip; for someone here it only says when they could have come
    # (or, without an arrival day, could come back)
    if situation.arrival is None:
        hold_prefix = "如需进返京"
    else:
        hold_prefix = "暂缓进返京" if situation.planned else "按规定"
    for hold in entry.holds:
        lines.append(f"{hold_prefix}：{day_zh(hold.until)}（含）起方可进京（{hold.rule}）。")
    if not entry.allowed and entry.earliest is None:
        lines.extend(_refusals(firings))
    elif not entry.allowed and situation.arrival is not None and not situation.planned:
        lines.append(
            f"已于{day_zh(situation.arrival)}进京，早于可进京日期{day_zh(entry.earliest or situation.arrival)}。"
        )
    for stay in judged:
        lines.extend(_needs_details(stay))
    for given in situation.stays:
        if not given.place.in_beijing and given.place.city is None and given.place.county is None:
            lines.append(
                f"行程“{given.place.name}”只写到省，无法判断风险，须申报详细行程（到地级市、县区）。"
            )
    if not lines:
        lines.append("未到过中高风险地区及其所在地级市，健康宝绿码，可正常进返京。")
    return lines


def _refusals(firings: Sequence[Firing]) -> list[str]:
    """One line per rule refusing entry (its own sentence above carries its note)."""
    lines = []
    for firing in firings:
        rule = firing.rule
        if rule.entry is None or not rule.entry.refuse:
            continue
        if "health_code" in rule.reads:
            lines.append("健康宝非绿码，暂不能进京。")
        else:
            lines.append(f"暂不能进京：{rule.title}。")
    return lines


def _designated_after_arrival(firing: Firing, situation: Situation) -> str | None:
    """Someone here whose stay's area was designated after they came: say so (the rule's
    days then count from the designation, ``not_before``)."""
    arrival, since = situation.arrival, firing.not_before
    if arrival is None or situation.planned or since is None or since <= arrival:
        return None
    return (
        f"该风险地区{day_zh(since)}起列入，晚于进京日{day_zh(arrival)}：进京时尚未列入，"
        f"不属于提前进京；须做的各项自{day_zh(since)}起算。"
    )


def _needs_details(stay: JudgedStay) -> list[str]:
    lines = []
    if not stay.stay.place.county_known and stay.stay.place.city_known:
        lines.append(f"{describe_stay(stay)}只写到地级市，须申报详细行程（县区、街道）。")
    rank = {None: 0, "medium": 1, "high": 2}
    current = rank[stay.judgement.level.value if stay.judgement.level else None]
    # only areas that would make the stay riskier than it already is are worth asking about
    worse = [d for d in stay.judgement.undecided if rank.get(d.level.value, 0) > current]
    if worse:
        areas = "、".join(f"“{d.area.name}”" for d in worse[:5])
        lines.append(f"{describe_stay(stay)}未写明是否到过{areas}，须申报详细行程。")
    return lines


@dataclass(frozen=True)
class Said:
    """A sentence as a Chinese format string and its fields (dates, measure kinds): the plan
    fills it in Chinese, a page translates the string and formats the fields its own way."""

    text: str
    fields: Mapping[str, date | MeasureKind] = field(default_factory=dict)

    def zh(self) -> str:
        return self.text.format(**{k: _field_zh(v) for k, v in self.fields.items()})


def _field_zh(value: date | MeasureKind) -> str:
    return value.label_zh if isinstance(value, MeasureKind) else month_day_zh(value)


@dataclass(frozen=True)
class Verdict:
    """The answer in one line, and what goes with it, from the decision's fields alone
    (entry, arrival, as_of, measures): the page's headline and the plan's both come from here.

    ``tone``: ``ok`` (may come as planned), ``hold`` (not yet), ``no`` (refused), ``here``
    (already in Beijing: what to do now)."""

    tone: str
    headline: Said
    notes: tuple[Said, ...] = ()


_HERE_TEXTS = {
    # (nothing to do, an open-ended measure, a measure up to its last day)
    True: ("已到京：无须观察或监测", "已到京：须{kind}", "已到京：须{kind}至 {day}"),
    False: ("已在京：无须观察或监测", "已在京：须{kind}", "已在京：须{kind}至 {day}"),
}
_CAME_EARLY = "于 {arrival} 进京，早于最早可进京日 {day}"
VERDICT_TEXTS = (
    "不可以进京",
    "暂缓进京：最早可于 {day} 进京",
    "可以于 {day} 进京",
    "最早可于 {day} 进京",
    _CAME_EARLY,
    *_HERE_TEXTS[True],
    *_HERE_TEXTS[False],
)
"""Every sentence a verdict says (pages translate them)."""


def verdict(decision: Decision) -> Verdict:
    entry, arrival = decision.entry, decision.arrival
    if entry.earliest is None:
        return Verdict("no", Said("不可以进京"))
    if arrival is None or arrival <= decision.as_of:
        return _verdict_here(decision)
    if not entry.allowed:
        earliest = entry.earliest_possible or entry.earliest
        return Verdict("hold", Said("暂缓进京：最早可于 {day} 进京", {"day": earliest}))
    notes: tuple[Said, ...] = ()
    if entry.earliest_possible is not None and entry.earliest_possible < arrival:
        notes = (Said("最早可于 {day} 进京", {"day": entry.earliest_possible}),)
    return Verdict("ok", Said("可以于 {day} 进京", {"day": arrival}), notes)


def _verdict_here(decision: Decision) -> Verdict:
    """For someone in Beijing entry is done: what they must do now, and whether they came
    before they could."""
    arrival, entry = decision.arrival, decision.entry
    nothing, open_ended, up_to = _HERE_TEXTS[arrival is not None]
    now = _current_measure(decision.measures)
    if now is None:
        headline = Said(nothing)
    elif now.end is None:
        headline = Said(open_ended, {"kind": now.kind})
    else:
        headline = Said(up_to, {"kind": now.kind, "day": now.end - timedelta(days=1)})
    notes = []
    if arrival is not None and not entry.allowed and entry.earliest is not None:
        notes.append(Said(_CAME_EARLY, {"arrival": arrival, "day": entry.earliest}))
    return Verdict("here", headline, tuple(notes))


def _current_measure(measures: Sequence[Measure]) -> Measure | None:
    """The strictest measure the person is in now (listed measures have not ended): the first
    observation or monitoring period, else the first open-ended one."""
    timeline = [m for m in measures if m.kind.on_timeline]
    return timeline[0] if timeline else (measures[0] if measures else None)


def plan_zh(decision: Decision, pack_title: str) -> str:
    """A readable day-by-day plan: the verdict, entry, then each measure with dates and the
    clause behind it."""
    out = [f"政策：{pack_title}（{decision.policy.id}，版本 {decision.policy.version}）"]
    out.append(
        f"评估日：{day_zh(decision.as_of)}"
        + (f"；进京日：{day_zh(decision.arrival)}" if decision.arrival else "；已在京")
    )
    said = verdict(decision)
    out.append(f"结论：{said.headline.zh()}")
    out.extend(f"  {note.zh()}" for note in said.notes)
    entry = decision.entry
    if entry.earliest is None:
        out.append("进京：不可以")
    elif decision.arrival is not None and decision.arrival > decision.as_of:
        # a planned trip; for someone here the verdict has said what there is to say
        planned = "可以" if entry.allowed else "暂缓"
        out.append(f"进京：{planned}，最早 {day_zh(entry.earliest)} 起")
    if entry.earliest_possible is not None:
        out.append(f"  最早可进京日（不论计划哪天）：{day_zh(entry.earliest_possible)}")
    for requirement in entry.requirements:
        out.append(f"  须持：{requirement}")
    if entry.popup:
        out.append("  健康宝将弹窗提示")
    if decision.measures:
        out.append("须做：")
    for measure in decision.measures:
        if measure.end is None:
            span = f"{day_zh(measure.start)}起"
        else:
            last = measure.end - timedelta(days=1)
            days = (measure.end - measure.start).days
            span = f"{day_zh(measure.start)}至{day_zh(last)}（{days}天）"
        out.append(f"  · {measure.kind.label_zh}：{span}")
        out.append(f"      依据（{measure.rule}）：{measure.clause}")
    if not decision.measures:
        out.append("须做：无")
    out.append("理由：")
    out.extend(f"  - {line}" for line in decision.reasons)
    return "\n".join(out)


def source_label(pack: Pack, rule_id: str) -> str | None:
    """The source a rule's clause was taken from, as a citizen reads it: publisher (or title)
    and date; None for a rule the pack does not have."""
    rule = next((r for r in pack.spec.rules if r.id == rule_id), None)
    if rule is None:
        return None
    source = pack.spec.sources[rule.source]
    return f"{source.publisher or source.title}，{source.published.isoformat()}"


def reasons_for_citizens(decision: Decision, pack: Pack) -> list[str]:
    """The reasons with each rule id (``（entry.risk_county）``, for staff) replaced by the
    clause's source: the ids come from the decision (rules applied, holds), so only they are
    touched, never other text."""
    ids = dict.fromkeys([*decision.rules_applied, *(h.rule for h in decision.entry.holds)])
    labels = {rule_id: source_label(pack, rule_id) for rule_id in ids}
    lines = []
    for line in decision.reasons:
        for rule_id, label in labels.items():
            line = line.replace(f"（{rule_id}）", f"（来源：{label}）" if label else "")
        lines.append(line)
    return lines

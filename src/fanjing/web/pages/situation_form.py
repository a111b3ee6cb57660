"""The situation form (the entry check and the travel declaration share it): the check
contract's situation from the posted fields, and the form as it is shown again."""

from __future__ import annotations

import re
from typing import Any

from fanjing.errors import Code, FanjingError, Where

MAX_STAYS = 10
_STAY_PARTS = {"place": "地点", "from": "从", "to": "到"}
_FIELD_LABELS = {
    "as_of": "评估日",
    "arrival": "进京日",
    "stays": "去过的地方",
    "contact.role": "接触情况",
    "contact.last_contact": "末次接触日",
}
_MISSING = "请填写"
_NO_STAY = "请至少填写一处：地点、从、到"
LABEL_TEXTS = (
    _MISSING,
    _NO_STAY,
    *(f"第{{n}}处{part}" for part in _STAY_PARTS.values()),
    *_FIELD_LABELS.values(),
)
"""Every label ``field_label`` gives, and the messages of ``missing_answers`` (pages translate
them; other messages come from the check, in Chinese)."""
_STAY_FIELD = re.compile(r"^stays\[(\d+)\]\.(place|from|to)$")


def empty_form() -> dict[str, Any]:
    return {
        "as_of": "",
        "arrival": "",
        "contact_role": "",
        "last_contact": "",
        "home_observation_possible": "yes",
        "stays": [{"place": "", "from": "", "to": ""}],
    }


def situation_from_form(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The check contract's situation from the form, and the form as it is shown again."""
    stays = [
        {
            "place": values.get(f"place{i}", "").strip(),
            "from": values.get(f"from{i}", "").strip(),
            "to": values.get(f"to{i}", "").strip(),
        }
        for i in range(MAX_STAYS)
        if values.get(f"place{i}", "").strip()
    ]
    situation: dict[str, Any] = {"stays": stays}
    for name in ("as_of", "arrival"):
        if values.get(name):
            situation[name] = values[name]
    if values.get("contact_role"):
        situation["contact"] = {
            "role": values["contact_role"],
            "last_contact": values.get("last_contact", ""),
        }
    if values.get("home_observation_possible") == "no":
        situation["home_observation_possible"] = False
    shown = {
        **empty_form(),
        **{k: values.get(k, "") for k in ("as_of", "arrival", "contact_role", "last_contact")},
        "home_observation_possible": values.get("home_observation_possible", "yes"),
        # every row begun is shown again, a half-filled one too (its missing part is named)
        "stays": [row for i, row in enumerate(_rows(values)) if any(row.values()) or i == 0],
    }
    return situation, shown


def _rows(values: dict[str, str]) -> list[dict[str, str]]:
    return [
        {part: values.get(f"{part}{i}", "").strip() for part in _STAY_PARTS}
        for i in range(MAX_STAYS)
    ]


def missing_answers(values: dict[str, str]) -> list[FanjingError]:
    """What the form leaves unanswered, each named by its field: a stay row begun but not
    finished, no stay at all, a contact without its day. An empty form answers nothing, so it
    must not be judged as if the person had been nowhere."""
    errors = []
    complete = 0
    for i, given in enumerate(_rows(values)):
        if not any(given.values()):
            continue
        if all(given.values()):
            complete += 1
        for part, value in given.items():
            if not value:
                errors.append(
                    FanjingError(Code.MISSING_FIELD, _MISSING, Where(field=f"stays[{i}].{part}"))
                )
    if not complete and not errors:
        errors.append(FanjingError(Code.MISSING_FIELD, _NO_STAY, Where(field="stays")))
    if values.get("contact_role") and not values.get("last_contact", "").strip():
        errors.append(
            FanjingError(Code.MISSING_FIELD, _MISSING, Where(field="contact.last_contact"))
        )
    return errors


def field_label(field: str | None) -> tuple[str, int | None]:
    """A form field as the citizen sees it: a label (a Chinese text to translate, with ``{n}``
    for a stay's number) and the stay's number; the path itself when the form has no such field."""
    if not field:
        return "", None
    stay = _STAY_FIELD.match(field)
    if stay:
        return "第{n}处" + _STAY_PARTS[stay.group(2)], int(stay.group(1)) + 1
    return _FIELD_LABELS.get(field, field), None

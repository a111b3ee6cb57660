"""The situation form (the entry check and the travel declaration share it): the check
contract's situation from the posted fields, and the form as it is shown again."""

from __future__ import annotations

from typing import Any

MAX_STAYS = 10


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
        "stays": stays or [{"place": "", "from": "", "to": ""}],
    }
    return situation, shown

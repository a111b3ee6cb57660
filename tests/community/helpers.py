"""Helpers of the community API tests: a person, their arrival from a medium-risk area."""

from __future__ import annotations

from tests.api_helpers import bearer

ID = "11010519491231002X"
PHONE = "13912345678"
AREA = "河南省郑州市二七区京广路街道"


def arrival(stay_to="2021-08-03", arrival_day="2021-08-04", **more):
    return {
        "as_of": arrival_day,
        "arrival": arrival_day,
        "stays": [{"place": AREA, "from": "2021-08-01", "to": stay_to}],
        **more,
    }


def report(client, token, *, name="张三", number=ID, phone=PHONE, situation=None, **more):
    body = {
        "person": {"name": name, "document_number": number, "phone": phone},
        "employer": "北京某科技有限公司",
        "situation": situation or arrival(),
        **more,
    }
    return client.post("/api/v1/community/reports", json=body, headers=bearer(token))

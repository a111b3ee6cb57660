"""``fanjing demo`` (what ``make run`` runs): the server on a fresh SQLite database of demo
data, with the clock set to 7 August 2021.

The data: the default pack; the risk areas of the national lists of 31 July and 4 August
2021; one user per role (their logins are printed); demo people with accounts, phone
numbers (one grey), itineraries, a declaration, pop-ups, arrival reports and cases
(a secondary close contact with a cohabitant), an employer with linked employees, doses at a
clinic (one held for a wrong name); the hotline's knowledge base from the seed article; and
12345 work orders in several states.

command.py is the command; seed.py fills the data, people.py the residents.
"""

from __future__ import annotations

from datetime import date

DEMO_DAY = date(2021, 8, 7)  # the demo's clock: seed.py fills the data of that day
COMMUNITY = "北京市朝阳区潘家园街道松榆里社区"
CLINIC = "cy-pjy"
ZHENGZHOU = "河南省郑州市二七区京广路街道"  # high risk from 31 July

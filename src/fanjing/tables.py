"""Every capability's tables on one metadata (``Base.metadata``): for migrations and their tests."""

from fanjing.audit import store as audit_store
from fanjing.checkpoints import store as checkpoints_store
from fanjing.community import store as community_store
from fanjing.employers import store as employers_store
from fanjing.healthkit import store as healthkit_store
from fanjing.hotline import store as hotline_store
from fanjing.infra.db import Base
from fanjing.itinerary import store as itinerary_store
from fanjing.places import store as places_store
from fanjing.policy import store as policy_store
from fanjing.sites import store as sites_store
from fanjing.users import store as users_store
from fanjing.vaccination import store as vaccination_store
from fanjing.workorders import store as workorders_store

metadata = Base.metadata
STORES = (
    audit_store,
    checkpoints_store,
    community_store,
    employers_store,
    healthkit_store,
    hotline_store,
    itinerary_store,
    places_store,
    policy_store,
    sites_store,
    users_store,
    vaccination_store,
    workorders_store,
)

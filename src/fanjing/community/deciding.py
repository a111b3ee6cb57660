"""Deciding a re-evaluation's distinct situations: in this process, or spread over a
dask.distributed cluster whose workers each build the pack and registry once.

What a worker is sent is a ``DecisionSpec`` (the pack's text and the designations, under a key
naming both) and chunks of parsed situations; it keeps what it built under the key, so a
long-lived cluster (``FANJING_DASK_SCHEDULER``) stays warm from one re-evaluation to the next
of the same pack and registry, and builds again when either changes. The same function decides
in this process, so both paths give the same answers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fanjing.community.core import Measure, measures_decided
from fanjing.places.registry import Designation, Registry
from fanjing.policy.core.decide import PolicyEvaluationError, decide
from fanjing.policy.core.model import Situation
from fanjing.policy.core.pack import Pack
from fanjing.policy.packfile import load_pack_text

if TYPE_CHECKING:
    from distributed import Client

# Below this many distinct situations, with no scheduler set, everything is decided here:
# starting a local cluster (worker processes importing fanjing, each building the pack and
# the registry's relations) costs seconds, about what one process decides in 100,000
# situations (~10,000 a second).
LOCAL_CLUSTER_FROM = 100_000
CHUNK = 5_000  # situations per task: big enough that a task's overhead is small beside it

Outcome = list[Measure] | str  # the measures decided, or why the pack cannot decide


@dataclass(frozen=True)
class DecisionSpec:
    """Everything besides the situation that decides: the pack (its text) and the registry
    (its designations). ``key`` names both by content: a draft uploaded again or a changed
    registry is a new key, never a stale checker."""

    key: str
    pack_text: str
    pack_file: str
    designations: tuple[Designation, ...]

    @classmethod
    def of(cls, pack: Pack, pack_text: str, pack_file: str, registry: Registry) -> DecisionSpec:
        digest = hashlib.sha256(pack_text.encode())
        for designation in registry.designations:
            digest.update(repr(designation).encode())
        key = f"{pack.id} {pack.version} {digest.hexdigest()[:32]}"
        return cls(key, pack_text, pack_file, registry.designations)


_built: dict[str, tuple[Pack, Registry]] = {}  # per worker (process): the specs it has built


def _pack_and_registry(spec: DecisionSpec) -> tuple[Pack, Registry]:
    built = _built.get(spec.key)
    if built is None:
        pack = load_pack_text(spec.pack_text, file=spec.pack_file)
        built = remember(spec, pack, Registry.of(spec.designations))
    return built


def remember(spec: DecisionSpec, pack: Pack, registry: Registry) -> tuple[Pack, Registry]:
    """Keep the spec's pack and registry, built already (this process has them: the
    registry's relations to places are warm); one spec at a time, a new key superseding."""
    _built.clear()
    _built[spec.key] = (pack, registry)
    return pack, registry


def decide_situations(spec: DecisionSpec, situations: Sequence[Situation]) -> list[Outcome]:
    """Each situation's measures under the spec's pack and registry, in order (no
    explanations: a re-evaluation keeps only the measures)."""
    pack, registry = _pack_and_registry(spec)
    outcomes: list[Outcome] = []
    for situation in situations:
        try:
            decision = decide(pack, registry, situation, explained=False)
        except PolicyEvaluationError as problem:
            outcomes.append(f"政策包 {pack.id} 无法计算：{problem}")
            continue
        outcomes.append(measures_decided(decision))
    return outcomes


def decide_all(
    spec: DecisionSpec, situations: Sequence[Situation], *, scheduler: str
) -> list[Outcome]:
    """``decide_situations`` over all, on the cluster at ``scheduler`` when one is named, on
    a local cluster from ``LOCAL_CLUSTER_FROM`` situations, else in this process."""
    if not scheduler and len(situations) < LOCAL_CLUSTER_FROM:
        return decide_situations(spec, situations)
    with _client(scheduler) as client:
        return decide_on(client, spec, situations)


def decide_on(
    client: Client, spec: DecisionSpec, situations: Sequence[Situation], *, chunk: int = CHUNK
) -> list[Outcome]:
    """The situations in chunks of ``chunk``, one task each, over the client's workers, the
    answers in the situations' order; the spec is sent to every worker once."""
    [shared] = client.scatter([spec], broadcast=True)
    chunks = [situations[i : i + chunk] for i in range(0, len(situations), chunk)]
    futures = client.map(decide_situations, [shared] * len(chunks), chunks, pure=False)
    return [outcome for chunk in client.gather(futures) for outcome in chunk]


@contextmanager
def _client(scheduler: str) -> Iterator[Client]:
    from distributed import Client, LocalCluster  # imported only when a cluster is used

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with (
        LocalCluster(threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        yield client

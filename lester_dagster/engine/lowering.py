"""What the DuckDB and Spark backends share: a plan lowered node by node to a backend's relations, each
node's output kept once, as a relation or (for an operator run through the pandas translation) as the pandas
executor's frame and provenance, and converted to the other form only when a consumer needs it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Generic, Self, TypeVar

import pandas as pd
import pyarrow as pa

from lester_dagster.engine import nodes as n
from lester_dagster.engine.execute import Computed, SourceData, _translate
from lester_dagster.provenance import RowProvenance

R = TypeVar("R")


class Fallback(Exception):
    """This operator is not lowered: run it through the pandas translation."""


@dataclass(eq=False)
class Lowered(Generic[R]):
    """A node's output: a backend relation, or the frame and provenance the pandas translation of its
    operator made (the relation is made from it when a lowered operator needs one)."""

    relation: R | None = None
    computed: Computed | None = None
    representable: bool = True  # False: the frame holds values the backend cannot type exactly


def prov_names(root: n.Node) -> dict[str, str]:
    """The name of each source's provenance column inside the relations."""
    return {s: f"__lester_prov_{i}" for i, s in enumerate(sorted(root.sources))}


Run = Callable[[n.Node], R]


class Lowering(ABC, Generic[R]):
    """One lowering of a plan: the memo of each node's output and the conversions between a backend's
    relation (`relation`, `computed`: each backend defines them) and the pandas executor's frame."""

    def __init__(self, bound: Mapping[str, SourceData], prov_names: Mapping[str, str]) -> None:
        self.bound, self.prov_names = bound, prov_names
        self.memo: dict[int, Lowered[R]] = {}

    @abstractmethod
    def relation(self, frame: pd.DataFrame, provenance: RowProvenance) -> R:
        """A pandas frame and its provenance as a relation (raises `Fallback` where it cannot be one)."""

    @abstractmethod
    def computed(self, r: R) -> Computed:
        """The relation as the pandas executor holds it: a frame and its provenance, in order."""

    def forced(self, node: n.Node) -> bool:
        """Whether `node` must run through the pandas translation whatever the backend could do."""
        return False

    def prov_column(self, source: str) -> str:
        return self.prov_names[source]

    def has_frame(self, node: n.Node) -> bool:
        return self.memo[id(node)].computed is not None

    def relation_of(self, node: n.Node) -> R:
        lowered = self.memo[id(node)]
        if lowered.relation is None:
            if not lowered.representable or lowered.computed is None:
                raise Fallback
            try:
                lowered.relation = self.relation(*lowered.computed)
            except (pa.ArrowException, TypeError, ValueError, Fallback):
                lowered.representable = False
                raise Fallback from None
        return lowered.relation

    def computed_of(self, node: n.Node) -> Computed:
        lowered = self.memo[id(node)]
        if lowered.computed is None:
            assert lowered.relation is not None
            lowered.computed = self.computed(lowered.relation)
        return lowered.computed

    def run(self, root: n.Node, lower_one: Callable[[n.Node, Run[R], Self], R]) -> Computed:
        """The plan's output as the pandas executor holds it: each node lowered by `lower_one` (parents
        first, each once), or through the pandas translation where it raises `Fallback`."""
        self._lower(root, lower_one)
        return self.computed_of(root)

    # methods, not closures that call themselves: such a cycle held the memo (every intermediate table,
    # ~200 MiB at 1M mails) until Python's cyclic collector ran, not until the run returned

    def _lower(self, node: n.Node, lower_one: Callable[[n.Node, Run[R], Self], R]) -> None:
        if id(node) in self.memo:
            return
        for parent in node.parents:
            self._lower(parent, lower_one)
        try:
            if self.forced(node):
                raise Fallback
            self.memo[id(node)] = Lowered(relation=lower_one(node, partial(self._relation, lower_one), self))
        except Fallback:
            self.memo[id(node)] = Lowered(computed=self.pandas_fallback(node))

    def _relation(self, lower_one: Callable[[n.Node, Run[R], Self], R], node: n.Node) -> R:
        self._lower(node, lower_one)
        return self.relation_of(node)

    def pandas_fallback(self, node: n.Node) -> Computed:
        """The one operator through the pandas translation, on its inputs as pandas holds them."""
        inputs = {id(p): self.computed_of(p) for p in node.parents}
        return _translate(node, lambda p: inputs[id(p)], self.bound)

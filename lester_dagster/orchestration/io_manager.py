"""The IO manager for lester assets: every materialisation becomes a new atomic version of the asset's
folder (tables as Parquet with row provenance beside them, matrices with matrix provenance, models as
`state_dict`s), and gets metadata that shows its provenance in the Dagster UI."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeGuard, TypeVar, overload

import dagster as dg
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer

from lester_dagster.engine import Result, SourceData
from lester_dagster.features.matrix import MatrixProvenance
from lester_dagster.provenance import RowProvenance
from lester_dagster.storage import (
    StorageError,
    Transaction,
    VersionedDirectory,
    load_matrix,
    load_sources,
    load_table,
    save_matrix,
    save_sources,
    save_table,
)
from lester_dagster.storage.versions import POINTER, is_remote, versioned

if TYPE_CHECKING:  # torch (the `ml` extra) loads with the first model stored or loaded, not with the code location
    from lester_dagster.model.mlp import TrainedModel
    from lester_dagster.storage.artifacts import MmapMode

MANIFEST = "artifact.json"
CONTROL = "_lester"  # transaction logs and deletion reports, beside the artifacts


@dataclass(frozen=True)
class SourceSnapshot:
    """One source table as the pipelines read it, with its row ids."""

    data: SourceData


@dataclass(frozen=True)
class PreparedTable:
    """A pipeline's prepared table with provenance, and the source versions it was computed from."""

    result: Result


@dataclass(frozen=True)
class FeatureMatrix:
    """X with its labels, train/test split, matrix column provenance and the fitted encoder."""

    X: np.ndarray
    y: np.ndarray
    is_test: np.ndarray
    matrix: MatrixProvenance
    encoder: ColumnTransformer
    # the prepared rows' provenance, aligned with X: stored with each chunk of X for the erasure scan
    provenance: RowProvenance | None = None


@dataclass(frozen=True)
class JsonRecord:
    """Small JSON artifacts: metrics, audit entries."""

    value: Any


@dataclass(frozen=True)
class Unchanged:
    """What an asset returns when its stored version is still right (a deletion request that reached the
    pipeline but changed nothing in it): the IO manager writes nothing and names the version kept."""

    reason: str


@dataclass(frozen=True)
class Committed:
    """What an asset returns when it committed its version itself, in a transaction with other artifacts
    (a pipeline's four artifacts move together): the IO manager only records the version."""

    version: int | None
    reflects_through: int
    new: bool  # False: the version was kept (it already held no data the requests remove)


Artifact: TypeAlias = "SourceSnapshot | PreparedTable | FeatureMatrix | TrainedModel | JsonRecord"
A = TypeVar("A")  # the artifact kind a caller of `load` expects


class LesterIOManager(dg.ConfigurableIOManager):
    """Stores lester artifacts under `base_dir`, one versioned folder per asset key."""

    base_dir: str = "artifacts"  # a local folder, or an object-store URI (s3://bucket/artifacts, gs://, az://)
    keep_versions: int = 3  # per asset; a deletion prunes all older versions, which hold the deleted data
    # for an object store: the local folder of cached versions, transaction logs and reports (default:
    # .lester-cache/<digest of base_dir>). Cached versions are purged with the versions they copy.
    cache_dir: str = ""

    @property
    def remote(self) -> bool:
        return is_remote(self.base_dir)

    @property
    def local(self) -> Path:
        if not self.remote:
            return Path(self.base_dir)
        if self.cache_dir:
            return Path(self.cache_dir)
        return Path(".lester-cache", hashlib.sha256(self.base_dir.encode()).hexdigest()[:12])

    @property
    def control(self) -> Path:
        return self.local / CONTROL

    @property
    def txn_dir(self) -> Path:
        return self.control / "txn"

    @property
    def reports_dir(self) -> Path:
        return self.control / "reports"

    def folder(self, asset_key: dg.AssetKey) -> VersionedDirectory:
        if self.remote:
            return versioned("/".join([self.base_dir.rstrip("/"), *asset_key.path]), self.local.joinpath(*asset_key.path))
        return VersionedDirectory(Path(self.base_dir, *asset_key.path))

    def current_version(self, asset_key: dg.AssetKey) -> int | None:
        return self.folder(asset_key).current()

    def reflects_through(self, asset_key: dg.AssetKey) -> int:
        return self.folder(asset_key).reflects_through()

    def purge_old_versions(self, asset_key: dg.AssetKey) -> list[int]:
        """Removes every version but the current one: after a deletion the old ones still hold the data."""
        return self.folder(asset_key).prune(1)

    def stores(self) -> list[VersionedDirectory]:
        """Every artifact's versioned folder under base_dir."""
        if self.remote:
            from upath import UPath

            root = UPath(self.base_dir)
            root.fs.invalidate_cache(root.path)  # other processes write here too: no stale listing
            pointers = [p for p in root.fs.find(root.path) if p.endswith("/" + POINTER)]
            prefix = root.path.rstrip("/") + "/"
            keys = [p[len(prefix):-len(POINTER) - 1].split("/") for p in pointers if p.startswith(prefix)]
            return [self.folder(dg.AssetKey(k)) for k in keys if k and k[0] != CONTROL]
        base = Path(self.base_dir)
        found = []
        for folder, subfolders, files in os.walk(base):
            here = Path(folder)
            if here == self.control:
                subfolders[:] = []
                continue
            if POINTER in files or any(d.startswith("v") and d[1:].isdigit() for d in subfolders):
                found.append(VersionedDirectory(here))
                subfolders[:] = []  # versions hold no artifacts of their own
        return found

    def clean_leftovers(self) -> list[Path]:
        """Removes what crashed writes left (staging and trash folders, unfinished versions); call with the
        lake's lock held, after `recover`."""
        return [p for store in self.stores() for p in store.clean_leftovers()]

    def stage(self, txn: Transaction, asset_key: dg.AssetKey, obj: Artifact, reflects_through: int,
              base: Any = ..., **note: Any) -> int:
        """Stages a new version of an artifact in a transaction; returns its number."""

        def fill(folder: Path) -> None:
            kind = _save(folder, obj)
            (folder / MANIFEST).write_text(json.dumps({"kind": kind, "asset": asset_key.to_user_string()}))

        kwargs = {} if base is ... else {"base": base}
        return txn.new_version(self.folder(asset_key), fill, reflects_through, **kwargs, **note)

    # ---- Dagster's interface -------------------------------------------------------------------------

    def handle_output(self, context: dg.OutputContext, obj: Artifact | Committed | Unchanged | None) -> None:
        if obj is None:
            return
        if isinstance(obj, Committed):
            context.add_output_metadata(
                {
                    "lester/version": obj.version,
                    "lester/reflects requests through": obj.reflects_through,
                    **({} if obj.new else {"lester/unchanged": "the stored version already reflects every request"}),
                }
            )
            return
        if isinstance(obj, Unchanged):
            context.add_output_metadata({"lester/version": self.current_version(context.asset_key),
                                         "lester/unchanged": obj.reason, "lester/write ms": 0.0})
            return
        started = time.perf_counter()
        version = self.store(context.asset_key, obj)
        self.folder(context.asset_key).prune(self.keep_versions)
        path = self.folder(context.asset_key).path(version)
        context.add_output_metadata({
            "lester/version": version, "lester/path": dg.MetadataValue.path(str(path)),
            "lester/write ms": round(1000 * (time.perf_counter() - started), 2),
        })

    def load_input(self, context: dg.InputContext) -> Artifact:
        return self.load(context.asset_key)

    # ---- used by assets that resume from their previous version ----------------------------------------

    def store(self, asset_key: dg.AssetKey, obj: Artifact) -> int:
        def fill(folder: Path) -> None:
            kind = _save(folder, obj)
            (folder / MANIFEST).write_text(json.dumps({"kind": kind, "asset": asset_key.to_user_string()}))

        return self.folder(asset_key).publish(fill)

    @overload
    def load(self, asset_key: dg.AssetKey, version: int | None = None, mmap_mode: MmapMode | None = None) -> Artifact:
        ...

    @overload
    def load(self, asset_key: dg.AssetKey, version: int | None = None, mmap_mode: MmapMode | None = None, *,
             expect: type[A]) -> A:
        ...

    def load(self, asset_key: dg.AssetKey, version: int | None = None, mmap_mode: MmapMode | None = None, *,
             expect: type[Any] | None = None) -> Any:
        """An artifact's current (or given) version; a feature matrix's X is mapped rather than read
        with `mmap_mode` "r" (read-only) or "c" (copy-on-write), so only the rows used are read. With
        `expect` (PreparedTable, FeatureMatrix, ...), an artifact of another kind is a StorageError."""
        folder = self.folder(asset_key).path(version)
        kind = json.loads((folder / MANIFEST).read_text())["kind"]
        found = FeatureMatrix(*load_matrix(folder, mmap_mode=mmap_mode)) if kind == "features" else _LOADERS[kind](folder)
        if expect is not None and not isinstance(found, expect):
            raise StorageError(f"{asset_key.to_user_string()} holds a {type(found).__name__} ({kind}), not the "
                               f"{expect.__name__} asked for; check the asset key.")
        return found


def _save(folder: Path, obj: Artifact) -> str:
    if isinstance(obj, SourceSnapshot):
        save_sources(folder, {obj.data.name: obj.data})
        return "source"
    if isinstance(obj, PreparedTable):
        r = obj.result
        save_table(folder, r.frame, r.provenance, r.lineage, r.row_lineage)
        (folder / "sources").mkdir()
        save_sources(folder / "sources", r.sources)
        return "prepared"
    if isinstance(obj, FeatureMatrix):
        save_matrix(folder, obj.X, obj.y, obj.is_test, obj.matrix, obj.encoder, obj.provenance)
        return "features"
    if _is_model(obj):
        from lester_dagster.model import save as save_model

        save_model(obj, folder / "model.pt")
        return "model"
    if isinstance(obj, JsonRecord):
        (folder / "record.json").write_text(json.dumps(obj.value, indent=1, default=_json_default))
        return "json"
    raise StorageError(f"the lester IO manager cannot store {type(obj).__name__}; return one of {Artifact}.")


def _is_model(obj: object) -> TypeGuard[TrainedModel]:
    # a TrainedModel exists only once its module is imported: asking before would import torch to say no
    mlp = sys.modules.get("lester_dagster.model.mlp")
    return mlp is not None and isinstance(obj, mlp.TrainedModel)


def _load_model(path: Path) -> TrainedModel:
    from lester_dagster.model import load as load_model

    return load_model(path)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (np.ndarray, pd.Index)):
        return value.tolist()
    return str(value)


def _load_prepared(folder: Path) -> PreparedTable:
    table = load_table(folder)
    return PreparedTable(
        Result(table.frame, table.provenance, table.lineage, table.row_lineage, load_sources(folder / "sources"))
    )


_LOADERS = {
    "source": lambda folder: SourceSnapshot(next(iter(load_sources(folder).values()))),
    "prepared": _load_prepared,
    "model": lambda folder: _load_model(folder / "model.pt"),
    "json": lambda folder: JsonRecord(json.loads((folder / "record.json").read_text())),
}

"""Column lineage outside Dagster's tables: OpenLineage events checked against the spec's JSON Schema (as
the installed openlineage-python compiles it) and delivered to a file and to a real HTTP receiver on
loopback, a dead endpoint that costs one short timeout, and the drawn graph, well-formed and complete,
looked at in headless Chromium: as a standalone page and on the asset's page of the real Dagster UI."""

from __future__ import annotations

import base64
import importlib
import importlib.util
import json
import logging
import os
import pkgutil
import socket
import subprocess
import sys
import threading
import time
import types
import typing
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attr
import jsonschema
import pytest

from lester_dagster.features.matrix import Block, MatrixProvenance
from lester_dagster.lineage.dagster_metadata import GRAPH_KEY, lineage_metadata
from lester_dagster.lineage.graph import render_html, render_svg
from lester_dagster.lineage.openlineage import LineageExportError, emit, lineage_events, read_events
from lester_dagster.lineage.ranges import x_ranges
from lester_dagster.provenance.columns import SourceColumn as S
from tests.browser import Browser, chromium_path
from tests.dagster_server import ROOT, free_port, stop_group, wait_for

SCREENSHOTS = Path(os.environ.get("LESTER_TEST_ARTIFACTS", ROOT / "test-artifacts"))
RUN_ID = "0b5a2f5e-1a2b-4c3d-9e8f-0123456789ab"
SVG_NS = "{http://www.w3.org/2000/svg}"

# The complaints pipeline as the example project declares it: its prepared table's real lineage, and X shaped
# as its MiniLM encoder gives it (two 384-wide embeddings, a word count, a one-hot country).
SOURCES = {
    "customers": {"customer_id": "int64", "customer_email": "str", "bank": "str", "country": "str", "level": "str"},
    "mails": {"mail_id": "int64", "email": "str", "raw_date": "str", "mail_subject": "str", "mail_text": "str"},
}
LINEAGE = {
    "title": frozenset({S("mails", "mail_subject")}),
    "text": frozenset({S("mails", "mail_text")}),
    "bank": frozenset({S("customers", "bank")}),
    "country": frozenset({S("customers", "country")}),
    "sentiment": frozenset({S("mails", "mail_text")}),
    "is_premium": frozenset({S("customers", "level")}),
    "label": frozenset({S("mails", "mail_text"), S("customers", "level")}),
}
ROWS = frozenset({S("mails", "email"), S("mails", "mail_text"), S("customers", "customer_email"),
                  S("mails", "raw_date"), S("customers", "country")})
MATRIX = MatrixProvenance(
    (
        Block("title_embedding", ("title",), "title", 0, 384, (("title", 0, 384),)),
        Block("text_embedding", ("text",), "text", 384, 768, (("text", 384, 768),)),
        Block("title_word_count", ("title",), ["title"], 768, 769, (("title", 768, 769),)),
        Block("country", ("country",), ["country"], 769, 772, (("country", 769, 772),)),
    ),
    tuple([f"title_embedding__{i}" for i in range(384)] + [f"text_embedding__{i}" for i in range(384)]
          + ["title_word_count__title", "country__DE", "country__FR", "country__UK"]),
)


@pytest.fixture(scope="module")
def word_counts() -> tuple[Any, MatrixProvenance]:
    """The example's word-count pipeline run for real on 200 mails: the engine's lineage and the matrix
    provenance of a fitted ColumnTransformer (a scaled count, a count, two one-hot encoders)."""
    from example_project.declarative_pipeline import WORD_COUNT_PIPELINE
    from lester_dagster.datasets.running_example import generate
    from lester_dagster.pipeline import encode

    customers, mails = generate(200, seed=0)
    prepared = WORD_COUNT_PIPELINE.plan({"customers": customers, "mails": mails}).execute()
    return prepared, encode(WORD_COUNT_PIPELINE, prepared).matrix


def schema_of(frame: Any) -> dict[str, str]:
    return {str(c): str(t) for c, t in frame.dtypes.items()}


# ---- the OpenLineage JSON Schema, as the installed client compiles it ---------------------------------------
#
# openlineage-python ships no JSON files: its `generated` package is the spec (OpenLineage.json and
# facets/*.json) compiled to attrs classes, each naming the definition it was made from (`_get_schema()`).
# This turns those classes back into JSON Schema, strictly: no property the spec does not define, the
# spec's required fields (the base event's and base facet's producer and schemaURL among them, which the
# classes fill in themselves) and the formats it gives. Each facet is checked against the definition its
# own `_schemaURL` names, as the spec's open facet maps mean it to be.

REQUIRED_WITH_DEFAULT = {"producer", "schemaURL", "_producer", "_schemaURL"}
FORMATS = {"eventTime": "date-time", "runId": "uuid", "producer": "uri", "schemaURL": "uri",
           "_producer": "uri", "_schemaURL": "uri"}
FORMAT_CHECKER = jsonschema.FormatChecker()


@FORMAT_CHECKER.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme)


def _generated_classes() -> list[type]:
    import openlineage.client.generated as generated

    classes = []
    for module_info in pkgutil.iter_modules(generated.__path__):
        module = importlib.import_module(f"{generated.__name__}.{module_info.name}")
        classes += [c for c in vars(module).values()
                    if isinstance(c, type) and attr.has(c) and c.__module__ == module.__name__]
    return classes


def _definition_name(cls: type) -> str:
    return f"{cls.__module__.rsplit('.', 1)[-1]}.{cls.__qualname__}"


def _type_schema(hint: Any, facet_bases: tuple[type, ...]) -> dict[str, Any]:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [_type_schema(a, facet_bases) for a in args if a is not type(None)]
        return options[0] if len(options) == 1 else {"anyOf": options}
    if origin is list:
        return {"type": "array", "items": _type_schema(args[0], facet_bases)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type_schema(args[1], facet_bases)}
    if origin is typing.Literal:
        return {"enum": list(args)}
    if isinstance(hint, type) and issubclass(hint, Enum):
        return {"enum": [m.value for m in hint]}
    if hint in facet_bases:
        # a map of facets: any facet, each checked against its own _schemaURL
        return {"type": "object", "required": ["_producer", "_schemaURL"],
                "properties": {"_producer": {"type": "string", "format": "uri"},
                               "_schemaURL": {"type": "string", "format": "uri"}}}
    if isinstance(hint, type) and attr.has(hint):
        return {"$ref": f"#/$defs/{_definition_name(hint)}"}
    simple = {str: "string", bool: "boolean", int: "integer", float: "number"}
    if hint in simple:
        return {"type": simple[hint]}
    if hint is Any:
        return {}
    raise AssertionError(f"no JSON Schema for {hint!r}")


def openlineage_schema() -> tuple[dict[str, Any], dict[str, str]]:
    """The definitions (name -> JSON Schema) and, for each spec URL a class names, its definition."""
    from openlineage.client.generated import base

    facet_bases = (base.BaseFacet, base.RunFacet, base.JobFacet, base.DatasetFacet, base.InputDatasetFacet,
                   base.OutputDatasetFacet)
    definitions, by_url = {}, {}
    for cls in _generated_classes():
        hints = typing.get_type_hints(cls)  # each base's annotations in its own module
        properties, required = {}, []
        for a in attr.fields(cls):
            properties[a.name] = dict(_type_schema(hints[a.name], facet_bases))
            if a.name in FORMATS:
                properties[a.name]["format"] = FORMATS[a.name]
            if a.default is attr.NOTHING or a.name in REQUIRED_WITH_DEFAULT:
                required.append(a.name)
        definitions[_definition_name(cls)] = {"type": "object", "properties": properties, "required": required,
                                              "additionalProperties": False}
        if "_get_schema" in vars(cls):
            by_url[cls._get_schema()] = _definition_name(cls)
    return definitions, by_url


def schema_errors(event: Mapping[str, Any]) -> list[str]:
    """Every way `event` breaks the spec: as a RunEvent, then each facet against its own definition."""
    from openlineage.client.generated import base

    definitions, by_url = openlineage_schema()

    def check(value: Any, definition: str) -> list[str]:
        validator = jsonschema.Draft202012Validator({"$ref": f"#/$defs/{definition}", "$defs": definitions},
                                                    format_checker=FORMAT_CHECKER)
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(value)]

    errors = [] if event.get("schemaURL") == base.RunEvent._get_schema() else [f"schemaURL {event.get('schemaURL')!r}"]
    errors += check(event, by_url[base.RunEvent._get_schema()])
    for path, facet in _facets(event):
        url = facet.get("_schemaURL")
        if url not in by_url:
            errors.append(f"{path}: no facet of the spec is at {url!r}")
        else:
            errors += [f"{path}/{e}" for e in check(facet, by_url[url])]
    return errors


def _facets(event: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    holders = [("run", event["run"]), ("job", event["job"])]
    holders += [(f"inputs/{i}", d) for i, d in enumerate(event.get("inputs", []))]
    holders += [(f"outputs/{i}", d) for i, d in enumerate(event.get("outputs", []))]
    for path, holder in holders:
        for group in ("facets", "inputFacets", "outputFacets"):
            for name, facet in holder.get(group, {}).items():
                yield f"{path}/{group}/{name}", facet


# ---- the events ----------------------------------------------------------------------------------------------


def complaints_events(**kwargs: Any) -> list[dict[str, Any]]:
    return lineage_events(
        "complaints", RUN_ID, SOURCES, LINEAGE, ROWS, MATRIX, "file://lake",
        source_names={"customers": "lake/customers", "mails": "lake/mails"},
        prepared_name="complaints/prepared", features_name="complaints/features", **kwargs,
    )


def test_the_events_validate_against_the_openlineage_json_schema(word_counts) -> None:
    prepared, matrix = word_counts
    sources = {name: schema_of(data.frame) for name, data in prepared.sources.items()}
    real = lineage_events("complaints_word_counts", str(uuid.uuid4()), sources, prepared.lineage,
                          prepared.row_lineage, matrix, order_lineage=prepared.order_lineage,
                          prepared_types=schema_of(prepared.frame))
    for event in complaints_events() + real:
        assert schema_errors(event) == []
    assert [e["eventType"] for e in real] == ["START", "COMPLETE", "START", "COMPLETE"]
    # every facet is the spec's: the names consumers look for, at the spec's own addresses
    event = real[1]
    assert set(event["run"]["facets"]) == {"parent", "processing_engine"}
    assert set(event["job"]["facets"]) == {"jobType", "documentation"}
    assert set(event["outputs"][0]["facets"]) == {"schema", "columnLineage"}
    assert event["outputs"][0]["facets"]["columnLineage"]["_schemaURL"].startswith(
        "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json")


def test_the_schema_check_has_teeth() -> None:
    """Broken events fail the check: it is not a check that passes anything."""
    good = complaints_events()[1]
    broken = json.loads(json.dumps(good))
    broken["run"]["runId"] = "run 7"
    del broken["outputs"][0]["facets"]["columnLineage"]["fields"]["title"]["inputFields"][0]["field"]
    broken["outputs"][0]["facets"]["columnLineage"]["dataset"][0]["transformations"] = "INDIRECT"
    broken["job"]["facets"]["jobType"]["_schemaURL"] = "https://example.invalid/MyFacet.json"
    broken["inputs"][0]["facets"]["schema"]["fields"][0]["type"] = 7
    errors = "\n".join(schema_errors(broken))
    for expected in ("runId", "'field' is a required property", "is not of type 'array'",
                     "no facet of the spec", "7 is not of type 'string'"):
        assert expected in errors, errors


def test_the_events_carry_every_column_and_range() -> None:
    events = complaints_events(order_lineage=[S("mails", "raw_date")])
    prepare_start, prepare_done, encode_start, encode_done = events
    prepared = prepare_done["outputs"][0]
    assert prepared["name"] == "complaints/prepared" and prepared["namespace"] == "file://lake"
    facet = prepared["facets"]["columnLineage"]
    assert {c: {(f["name"], f["field"]) for f in v["inputFields"]} for c, v in facet["fields"].items()} == {
        c: {(f"lake/{s}", col) for s, col in deps} for c, deps in LINEAGE.items()
    }
    assert {f["transformations"][0]["type"] for v in facet["fields"].values() for f in v["inputFields"]} == {"DIRECT"}
    dataset_wide = {(f["name"], f["field"], f["transformations"][0]["type"], f["transformations"][0].get("subtype"))
                    for f in facet["dataset"]}
    assert dataset_wide == {(f"lake/{s}", c, "INDIRECT", None) for s, c in ROWS} | {
        ("lake/mails", "raw_date", "INDIRECT", "SORT")}
    # the lake sources are inputs with their schemas; the prepared table's schema says where each column is from
    assert {(d["name"], tuple((f["name"], f["type"]) for f in d["facets"]["schema"]["fields"]))
            for d in prepare_done["inputs"]} == {
        (f"lake/{s}", tuple(cols.items())) for s, cols in SOURCES.items()}
    described = {f["name"]: f["description"] for f in prepared["facets"]["schema"]["fields"]}
    assert described["label"] == "derived from customers.level, mails.mail_text"

    features = encode_done["outputs"][0]
    assert encode_done["inputs"][0]["name"] == "complaints/prepared"
    x_lineage = features["facets"]["columnLineage"]["fields"]
    assert {name: [(f["name"], f["field"]) for f in v["inputFields"]] for name, v in x_lineage.items()} == {
        "X[0:384]": [("complaints/prepared", "title")],
        "X[384:768]": [("complaints/prepared", "text")],
        "X[768:769]": [("complaints/prepared", "title")],
        "X[769:772]": [("complaints/prepared", "country")],
    }
    x_schema = {f["name"]: (f["type"], f["description"]) for f in features["facets"]["schema"]["fields"]}
    assert x_schema["X[0:384]"] == ("float64[384]", "384 dimension(s) of X written by title_embedding from title")
    assert x_schema["X[769:772]"][1].endswith(": country__DE, country__FR, country__UK")

    # START and COMPLETE of one job share a run, a child of the orchestrator's run; ids are stable
    assert prepare_start["run"]["runId"] == prepare_done["run"]["runId"] != encode_done["run"]["runId"]
    assert prepare_done["run"]["facets"]["parent"]["run"]["runId"] == RUN_ID
    assert [e["run"]["runId"] for e in complaints_events()] == [e["run"]["runId"] for e in events]
    assert [e["job"]["name"] for e in events] == ["complaints.prepare"] * 2 + ["complaints.encode"] * 2
    without_x = lineage_events("t", RUN_ID, SOURCES, LINEAGE, ROWS)
    assert [e["job"]["name"] for e in without_x] == ["t.prepare", "t.prepare"]
    assert without_x[0]["outputs"][0]["name"] == "t/prepared"


def test_bad_input_is_refused_with_the_fix() -> None:
    with pytest.raises(LineageExportError, match="not a UUID"):
        lineage_events("t", "run-1", SOURCES, LINEAGE, ROWS)
    with pytest.raises(LineageExportError, match=r"source\(s\) \['mails'\].*Pass every source"):
        lineage_events("t", RUN_ID, {"customers": SOURCES["customers"]}, LINEAGE, ROWS)
    (unsupported,) = emit(complaints_events()[:1], "s3://bucket/lineage.jsonl")
    assert not unsupported.ok and "only files, file:// and http(s):// URLs" in unsupported.error


# ---- delivery ------------------------------------------------------------------------------------------------


def test_the_file_emitter_appends_one_event_a_line(tmp_path: Path) -> None:
    events = complaints_events()
    target = tmp_path / "lineage" / "events.jsonl"
    assert emit(events[:2], str(target))[0].ok
    assert emit(events[2:], target.as_uri())[0].ok  # a file:// URL is the same file
    lines = target.read_text().splitlines()
    assert len(lines) == 4 and [json.loads(line) for line in lines] == events
    assert read_events(target) == events


class Receiver(ThreadingHTTPServer):
    """An OpenLineage endpoint on loopback that keeps what it is sent (or answers with an error)."""

    def __init__(self, status: int = 201) -> None:
        self.received: list[tuple[str, dict[str, str], Any]] = []
        self.status = status
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, dict(self.headers), json.loads(body)))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def receiver(status: int = 201) -> Iterator[Receiver]:
    server = Receiver(status)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_the_http_emitter_posts_each_event_to_a_real_receiver() -> None:
    events = complaints_events()
    with receiver() as server:
        # a bare host gets Marquez's path; a URL with a path (DataHub's, OpenMetadata's) keeps it
        (marquez,) = emit(events, server.url)
        (datahub,) = emit(events[:1], f"{server.url}/openapi/openlineage/api/v1/lineage", api_key="secret")
    assert marquez.ok and marquez.sent == 4 and datahub.ok
    paths = [path for path, _, _ in server.received]
    assert paths == ["/api/v1/lineage"] * 4 + ["/openapi/openlineage/api/v1/lineage"]
    assert [body for _, _, body in server.received] == events + events[:1]
    headers = [h for _, h, _ in server.received]
    assert all(h["Content-Type"] == "application/json" for h in headers)
    assert headers[-1]["Authorization"] == "Bearer secret" and "Authorization" not in headers[0]


@contextmanager
def silent_endpoint(attempts: list[int]) -> Iterator[str]:
    """A port that accepts connections and never answers: the kernel completes the handshake from the
    listen backlog, so a client waits for a reply until its timeout. On exit, `attempts` gets the number of
    connections made (all of them wait in the backlog)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield f"http://127.0.0.1:{s.getsockname()[1]}"
        s.setblocking(False)
        connections = []
        while True:
            try:
                connections.append(s.accept()[0])
            except BlockingIOError:
                break
        attempts.append(len(connections))
        for c in connections:
            c.close()


@contextmanager
def dead_endpoint(kind: str, attempts: list[int]) -> Iterator[str]:
    """A failing endpoint; on exit, `attempts` gets the number of requests it got (when it can tell)."""
    if kind == "refused":  # nothing listens there
        yield f"http://127.0.0.1:{free_port()}"
    elif kind == "silent":
        with silent_endpoint(attempts) as url:
            yield url
    else:  # it answers, with an error
        with receiver(status=503) as server:
            yield server.url
        attempts.append(len(server.received))  # the server has joined its handler threads


@pytest.mark.parametrize("kind", ["refused", "silent", "error"])
def test_a_dead_endpoint_fails_fast_warns_and_keeps_the_events(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    events = complaints_events()
    journal, spill = tmp_path / "events.jsonl", tmp_path / "undelivered.jsonl"
    importlib.import_module("openlineage.client.transport.http")  # its import is not what is timed
    attempts: list[int] = []
    with dead_endpoint(kind, attempts) as url:
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="lester_dagster.lineage.openlineage"):
            file_delivery, http_delivery = emit(events, f"{journal},{url}", timeout=0.5, undelivered=spill)
        elapsed = time.monotonic() - started
    # one attempt, then the remaining events are given up on (the client's defaults, five retries with
    # backoff, would make six); where the endpoint cannot count them, the time says it: one timeout at
    # most, far below the minute the client's defaults (and their 5 s timeout) would spend
    assert attempts == ([] if kind == "refused" else [1]), attempts
    assert elapsed < 30, elapsed
    assert file_delivery.ok and read_events(journal) == events
    assert not http_delivery.ok and http_delivery.sent == 0 and http_delivery.failed == 4
    assert read_events(spill) == events
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert f"4 of 4 event(s) not delivered to {url}" in warning.getMessage()
    assert f"kept in {spill}" in warning.getMessage()
    # once the endpoint is back, what was kept goes out
    with receiver() as server:
        assert emit(read_events(spill), server.url)[0].ok
    assert [body for _, _, body in server.received] == events


# ---- the picture ---------------------------------------------------------------------------------------------


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG_NS}text")]


def test_the_svg_is_well_formed_and_shows_every_column_and_range(word_counts) -> None:
    prepared, matrix = word_counts
    for lineage, rows, x, sources in ((LINEAGE, ROWS, MATRIX, SOURCES),
                                      (prepared.lineage, prepared.row_lineage, matrix, None)):
        svg = render_svg(lineage, rows, x, "complaints", sources)
        root = ET.fromstring(svg)  # well-formed XML, or this raises
        assert root.tag == f"{SVG_NS}svg"
        shown = texts(svg)
        used = {sc for deps in lineage.values() for sc in deps} | set(rows)
        for source, column in used:
            assert column in shown and source in shown
        for column in lineage:
            assert column in shown or f"{column} (constant)" in shown
        ranges = x_ranges(x)
        for r in ranges:
            assert r.name in shown and f"{r.width:,} · {r.transformer}" in shown
        assert shown.count("rows") == len(set(rows)) + 1  # one tag per row-deciding column, one in the legend
        edges = [p for p in root.iter(f"{SVG_NS}path") if p.get("marker-end")]
        assert len(edges) == sum(len(d) for d in lineage.values()) + len(set(rows)) + sum(len(r.inputs) for r in ranges)
        assert render_svg(lineage, rows, x, "complaints", sources) == svg  # deterministic
    # the full schema greys out what is not used: customer_id and mail_id feed nothing
    assert "customer_id" in texts(render_svg(LINEAGE, ROWS, MATRIX, sources=SOURCES))
    assert "customer_id" not in texts(render_svg(LINEAGE, ROWS, MATRIX))


def test_names_are_escaped_and_constants_and_tables_without_x_are_drawn() -> None:
    odd = {'a<b & "c"': frozenset({S("t&t", "x>y")}), "one": frozenset()}
    svg = render_svg(odd, [S("t&t", "k")], None, title="<script>")
    shown = texts(svg)
    assert {'a<b & "c"', "x>y", "t&t", "one (constant)", "<script>"} <= set(shown)
    assert "<script>" not in svg and "feature matrix" not in svg


def test_the_html_page_is_self_contained() -> None:
    page = render_html(LINEAGE, ROWS, MATRIX, "complaints")
    assert page.startswith("<!DOCTYPE html>") and render_svg(LINEAGE, ROWS, MATRIX, "complaints") in page
    # nothing to fetch: the only URLs are the SVG namespace and the arrowheads' fragment references
    assert "src=" not in page and "href" not in page and "<script" not in page
    assert page.count("http") == 1 and "http://www.w3.org/2000/svg" in page


def test_the_metadata_is_a_markdown_image_of_the_svg(tmp_path: Path) -> None:
    import dagster as dg

    svg = render_svg(LINEAGE, ROWS, MATRIX)
    entries = lineage_metadata(svg, caption="complaints", html_path=tmp_path / "lineage.html")
    markdown = entries[GRAPH_KEY]
    assert isinstance(markdown, dg.MarkdownMetadataValue)
    alt = "column lineage: source columns, prepared columns, dimension ranges of X"
    prefix = f"complaints\n\n![{alt}](data:image/svg+xml;base64,"
    assert markdown.value.startswith(prefix) and markdown.value.endswith(")")
    assert base64.b64decode(markdown.value[len(prefix):-1]).decode() == svg
    assert entries[f"{GRAPH_KEY} file"] == dg.MetadataValue.path(str(tmp_path / "lineage.html"))
    with pytest.raises(ValueError, match="render_svg"):
        lineage_metadata("<html></html>")


# ---- looked at in a browser ----------------------------------------------------------------------------------

OVERFLOWING = """(() => {
    // the widths are estimated, the browser measures: every text sits inside its box, and a box's label
    // runs into nothing else drawn in it (the "rows" tag, a range's width and transformer, its ruler)
    const bad = [];
    const meets = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
    for (const g of document.querySelectorAll('svg g')) {
        const [box, ...rest] = [...g.querySelectorAll('rect, text')];
        const frame = box.getBBox();
        for (const t of g.querySelectorAll('text')) {
            const b = t.getBBox();
            if (b.x < frame.x - 0.5 || b.x + b.width > frame.x + frame.width + 0.5) bad.push(t.textContent);
        }
        const label = rest[0].getBBox();
        for (const other of rest.slice(1)) if (meets(label, other.getBBox())) bad.push(rest[0].textContent);
    }
    return bad;
})()"""


def _browser() -> Browser:
    executable = chromium_path()
    assert executable, "headless Chromium is needed: `make test` installs Debian's chromium"
    return Browser(executable)


def evaluate(browser: Browser, script: str) -> Any:
    return browser.call("Runtime.evaluate", expression=script, returnByValue=True)["result"].get("value")


def test_the_standalone_page_in_a_browser(tmp_path: Path) -> None:
    page = tmp_path / "lineage.html"
    page.write_text(render_html(LINEAGE, ROWS, MATRIX, "complaints: column lineage", SOURCES))
    with _browser() as browser:
        browser.goto(page.as_uri())
        text = browser.wait_for_text("complaints: column lineage", "X[769:772]", "mail_subject", timeout=60)
        assert evaluate(browser, OVERFLOWING) == []
        shot = browser.screenshot(SCREENSHOTS / "lineage_graph_page.png")
    assert "which rows exist" in text and "feature matrix X · 772 dimensions" in text
    assert shot.stat().st_size > 10_000


ASSET_MODULE = '''
import dagster as dg

from lester_dagster.features.matrix import MatrixProvenance
from lester_dagster.lineage.dagster_metadata import lineage_metadata
from lester_dagster.lineage.graph import render_svg
from lester_dagster.provenance.columns import SourceColumn

LINEAGE = {{c: [SourceColumn(*d) for d in deps] for c, deps in {lineage!r}.items()}}
ROWS = [SourceColumn(*d) for d in {rows!r}]
MATRIX = MatrixProvenance.from_dict({matrix!r})


@dg.asset(key=["complaints", "prepared"])
def prepared() -> dg.MaterializeResult:
    svg = render_svg(LINEAGE, ROWS, MATRIX, "complaints: column lineage", {sources!r})
    return dg.MaterializeResult(metadata=lineage_metadata(svg))


defs = dg.Definitions(assets=[prepared])
'''


@contextmanager
def dagster_webserver(project: Path, home: Path) -> Iterator[str]:
    """`dagster-webserver` on a free loopback port over `project/definitions.py` and the instance in
    `home`; no daemon: nothing is launched, the asset is already materialised. Stops the process group
    it started and nothing else."""
    port = free_port()
    log = home / "webserver.log"
    with open(log, "w") as stderr:  # the child has its own descriptor
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("dagster-webserver")), "-f", "definitions.py", "-h", "127.0.0.1",
             "-p", str(port)],
            cwd=project, env={**os.environ, "DAGSTER_HOME": str(home), "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True,
        )
    try:
        def ready() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as r:
                    return r.status == 200
            except OSError:
                assert process.poll() is None, log.read_text()[-3000:]
                return False

        wait_for("dagster-webserver to serve", ready, timeout=240)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_group(process)


SHOW_GRAPH = f"""(() => {{
    const row = [...document.querySelectorAll('tr')]
        .find(r => r.cells.length && r.cells[0].innerText.trim() === {json.dumps(GRAPH_KEY)});
    if (!row) return false;
    const link = [...row.querySelectorAll('*')].filter(e => e.innerText && e.innerText.trim() === '[Show Markdown]');
    if (!link.length) return false;
    link[link.length - 1].click();
    return true;
}})()"""
DRAWN = """(() => {
    const img = document.querySelector('[role=dialog] img');
    return img && img.complete ? [img.naturalWidth, img.naturalHeight, img.src.slice(0, 26)] : null;
})()"""


@pytest.mark.slow
def test_the_asset_page_of_the_real_ui_draws_the_graph(tmp_path: Path) -> None:
    """The open-source UI lists Markdown metadata as "[Show Markdown]"; its dialog must draw the SVG that
    `lineage_metadata` embeds as a data-URI image (inline SVG and HTML are stripped by its Markdown)."""
    import dagster as dg

    project, home = tmp_path / "project", tmp_path / "dagster_home"
    project.mkdir()
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\nnux:\n  enabled: false\n")
    (project / "definitions.py").write_text(ASSET_MODULE.format(
        lineage={c: sorted(deps) for c, deps in LINEAGE.items()}, rows=sorted(ROWS), matrix=MATRIX.to_dict(),
        sources={s: list(cols) for s, cols in SOURCES.items()},
    ))
    spec = importlib.util.spec_from_file_location("lineage_ui_definitions", project / "definitions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    instance = dg.DagsterInstance.from_config(str(home))
    assert dg.materialize([module.prepared], instance=instance).success
    width = int(ET.fromstring(render_svg(module.LINEAGE, module.ROWS, module.MATRIX, "complaints: column lineage",
                                         SOURCES)).get("width"))

    with dagster_webserver(project, home) as base, _browser() as browser:
        shot = SCREENSHOTS / "lineage_graph_asset_page.png"
        browser.goto(f"{base}/assets/complaints/prepared")
        browser.wait_for_text(GRAPH_KEY, "[Show Markdown]", screenshot=shot)
        wait_for("the metadata row's [Show Markdown]", lambda: evaluate(browser, SHOW_GRAPH), timeout=30)
        drawn = wait_for("the graph's image to load", lambda: evaluate(browser, DRAWN), timeout=30, every=0.5)
        time.sleep(1)  # the dialog fades in
        browser.screenshot(shot)
    assert drawn == [width, drawn[1], "data:image/svg+xml;base64,"] and drawn[1] > 200
    assert shot.stat().st_size > 30_000

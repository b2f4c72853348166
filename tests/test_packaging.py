"""The core installs without the extras: with torch, sentence-transformers and openai unimportable, a plan
builds and runs, a table pipeline materialises in Dagster and a deletion reaches it by IVM, and the CLI files
requests; what does need an extra says which one to install. Light commands and a code location's load
import no torch. Each check runs in a fresh interpreter, so what the test process imported counts for nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# what a core install lacks
WITHOUT_EXTRAS = ("torch", "sentence_transformers", "openai")
# a finder first on sys.meta_path that finds none of them, as if they were not installed (a None in
# sys.modules would not do: scipy looks torch up there and takes whatever it finds for the module)
SHIM = """
import importlib.abc, sys
class _NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, _NotInstalled())
"""


def run_python(code: str, blocked: tuple[str, ...] = ()) -> dict:
    """Runs `code` in a new interpreter with `blocked` modules unimportable; returns what it printed as JSON."""
    shim = SHIM.format(blocked=set(blocked)) if blocked else ""
    out = subprocess.run([sys.executable, "-c", shim + textwrap.dedent(code)], capture_output=True, text=True,
                         cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-4000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


CORE = """
    import contextlib, io, json, sys, tempfile
    from pathlib import Path

    import pandas as pd

    import lester_dagster.engine as le
    from lester_dagster.cli import main
    from lester_dagster.errors import MissingExtraError
    from lester_dagster.ivm import DeletionRequest
    from lester_dagster.pipeline import TablePipeline, materialize
    from tests.lester_project import file_request, project, refresh, run, tick

    def per_bank(customers, mails):
        joined = mails.join(customers, left_on="email", right_on="customer_email")
        return joined.groupby("bank").agg(n_mails=("mail_id", "count"))

    PER_BANK = TablePipeline("per_bank", {"customers": "customer_id", "mails": "mail_id"}, per_bank)
    found = {}

    def refused(call):
        try:
            call()
        except MissingExtraError as error:
            return str(error)
        return "no error"

    root = Path(tempfile.mkdtemp())
    # an engine plan, built and run
    frame = pd.DataFrame({"id": [1, 2, 3], "x": [1.0, 2.0, 3.0]})
    result = le.from_pandas(frame, "t", key="id").filter("x > 1").execute()
    found["plan_rows"] = len(result.frame)

    # Dagster: a table pipeline materialises, and a deletion reaches it by IVM (the run's process has no torch)
    from dagster import AssetKey, instance_for_test
    defs, lake, store = project(root / "tables", mails=300, pipelines=[PER_BANK])
    with instance_for_test() as instance:
        found["refresh"] = refresh(defs, instance).success
        mails, customers = lake.read("mails"), lake.read("customers")
        customer = customers[customers.customer_email.isin(mails.email)].iloc[0]
        file_request(lake, DeletionRequest("customers", (int(customer.customer_id),), "erase", reason="test"))
        (request,) = tick(defs, instance, lake, store).run_requests
        found["deletion"] = run(defs, instance, request).success
        maintained = store.load(AssetKey(["per_bank", "output"])).result.frame
        again = PER_BANK.plan({"customers": lake.read("customers"), "mails": lake.read("mails")}).execute().frame
        found["ivm_equals_rerun"] = maintained.sort_values("bank").reset_index(drop=True).equals(
            again[list(maintained.columns)].sort_values("bank").reset_index(drop=True))

    # an ML pipeline's definitions load; its model stage names the extra, in Python and in the Dagster run
    from example_project.declarative_pipeline import WORD_COUNT_PIPELINE
    defs, lake, store = project(root / "ml", mails=200, pipelines=[WORD_COUNT_PIPELINE])
    found["ml_assets"] = len(defs.resolve_all_asset_keys())
    frames = {name: lake.read(name) for name in ("customers", "mails")}
    found["materialize"] = refused(lambda: materialize(WORD_COUNT_PIPELINE, frames))
    with instance_for_test() as instance:
        failed = refresh(defs, instance, raise_on_error=False)
        found["run_failure"] = " ".join(str(e.step_failure_data.error) for e in failed.all_events
                                        if e.is_step_failure)

    from lester_dagster.features.text import SentenceEmbedder
    found["text"] = refused(lambda: SentenceEmbedder().fit(["a text"]))
    from lester_dagster.rewrite import LLMConfig, OpenAIChat
    found["rewrite"] = refused(lambda: OpenAIChat(LLMConfig("http://127.0.0.1:9/v1", None, "m")))

    # the CLI: a request is filed, a source the lake does not have is refused, a command needing an extra says so
    lake_dir = str(root / "tables" / "lake")
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        found["cli_file"] = main(["request-deletion", "--lake", lake_dir, "--source", "mails", "--keys", "1",
                                  "--action", "erase"])
        found["cli_mailz"] = main(["request-deletion", "--lake", lake_dir, "--source", "mailz", "--keys", "1",
                                   "--action", "erase"])
        found["cli_rewrite"] = main(["rewrite", "example_project/messy_pipeline.py", "--data", lake_dir,
                                     "--base-url", "http://127.0.0.1:9/v1", "--model", "m"])
    found["cli_err"] = err.getvalue()
    found["torch_loaded"] = sys.modules.get("torch") is not None
    print(json.dumps(found))
"""


def test_the_core_works_without_the_extras_and_names_the_extra_it_lacks() -> None:
    found = run_python(CORE, blocked=WITHOUT_EXTRAS)
    assert found["plan_rows"] == 2
    assert found["refresh"] and found["deletion"] and found["ivm_equals_rerun"]
    assert found["ml_assets"] > 0
    ml = "the pipeline's model (lester_dagster.model) needs torch, which is not installed: pip install 'lester_dagster[ml]'"
    assert found["materialize"] == ml
    assert ml in found["run_failure"]
    assert found["text"] == ("SentenceEmbedder needs sentence_transformers, which is not installed: "
                             "pip install 'lester_dagster[text]'")
    assert found["rewrite"] == ("the LLM rewrite's chat client needs openai, which is not installed: "
                                "pip install 'lester_dagster[rewrite]'")
    assert (found["cli_file"], found["cli_mailz"], found["cli_rewrite"]) == (0, 2, 2)
    assert "the lake has no source 'mailz'; its sources are ['customers', 'mails']" in found["cli_err"]
    assert "pip install 'lester_dagster[rewrite]'" in found["cli_err"]
    assert not found["torch_loaded"]


LIGHT_COMMANDS = """
    import contextlib, io, json, sys, tempfile
    from pathlib import Path

    from lester_dagster.cli import main
    from lester_dagster.datasets.running_example import write_lake

    lake = Path(tempfile.mkdtemp()) / "lake"
    write_lake(lake, 50, seed=0)
    before = sorted(m for m in ("torch", "sklearn", "dagster") if m in sys.modules)
    with contextlib.redirect_stdout(io.StringIO()):
        codes = [main(["request-deletion", "--lake", str(lake), "--source", "mails", "--keys", "1", "--action", "erase"]),
                 main(["request-deletion", "--lake", str(lake), "--source", "mailz", "--keys", "1", "--action", "erase"]),
                 main(["requests", "--lake", str(lake)]),
                 main(["verify-audit", "--lake", str(lake)])]
    print(json.dumps({"before": before, "codes": codes,
                      "heavy": sorted(m for m in ("torch", "sklearn", "sentence_transformers", "dagster")
                                      if m in sys.modules)}))
"""


def test_light_commands_import_neither_torch_nor_scikit_learn_nor_dagster() -> None:
    found = run_python(LIGHT_COMMANDS)
    assert found["before"] == []  # generating the lake did not import them either
    assert found["codes"] == [0, 2, 0, 0]
    assert found["heavy"] == []


def test_loading_the_example_code_location_imports_no_torch() -> None:
    # every Dagster run's process loads the code location first: torch waits for a model stage
    found = run_python("""
        import json, sys
        import example_project.definitions
        assets = example_project.definitions.defs.resolve_all_asset_keys()
        print(json.dumps({"torch": "torch" in sys.modules, "assets": len(assets)}))
    """)
    assert found["assets"] > 0 and not found["torch"]


def test_the_example_without_its_extra_names_it() -> None:
    found = run_python("""
        import json
        from lester_dagster.errors import MissingExtraError
        try:
            import example_project.declarative_pipeline
        except MissingExtraError as error:
            print(json.dumps(str(error)))
    """, blocked=("vaderSentiment",))
    assert found == ("the example's sentiment feature needs vaderSentiment, which is not installed: "
                     "pip install 'lester_dagster[example]'")

"""The rewrite harness's pure parts, without an LLM or a sandboxed run: cutting code out of answers,
refusing unsafe or malformed code, splitting messy scripts, binding their inputs, prompt templates,
comparing outputs and assembling the pipeline module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lester_dagster.errors import CodeRejected, LLMConfigError, PromptError, RewriteError, ScriptSplitError
from lester_dagster.rewrite.assemble import RESERVED, assemble
from lester_dagster.rewrite.compare import Tolerance, compare_matrices, compare_tables
from lester_dagster.rewrite.cover import covering_sample
from lester_dagster.rewrite.llm import LLMConfig
from lester_dagster.rewrite.loop import PROMPT_NAMES, RewriteOptions, start
from lester_dagster.rewrite.prompts import load_prompt, prompts_dir
from lester_dagster.rewrite.safety import Required, check_code, extract_code
from lester_dagster.rewrite.sources import bind_inputs, infer_key
from lester_dagster.rewrite.split import split_script

FIXTURES = Path(__file__).parent / "fixtures" / "rewrite"
REPO = Path(__file__).parents[1]
PREPARE = Required("prepare", params=("orders", "products"), signature="prepare(orders, products)")
LABEL = Required("label", arity=1, signature="label(prepared)")
ENCODER = Required("encoder", arity=0, signature="encoder()")


# ---- answers: code extraction and checks --------------------------------------------------------------


def test_code_is_cut_out_of_prose_and_the_complete_block_wins() -> None:
    reply = (
        "Sure! First the imports:\n```python\nimport numpy as np\n```\nand the function:\n"
        "```py\ndef encoder():\n    return None\n```\nHope this helps."
    )
    assert extract_code(reply, [ENCODER]) == "def encoder():\n    return None\n"
    two_blocks = "```python\nimport numpy as np\n```\n```python\nX = np.zeros(3)\n```"
    assert extract_code(two_blocks, [ENCODER]) == "import numpy as np\n\n\nX = np.zeros(3)\n"
    assert extract_code("def encoder():\n    return 1\n", [ENCODER]).startswith("def encoder")


@pytest.mark.parametrize(
    ("reply", "says"),
    [("", "empty"), ("   \n", "empty"), ("I am sorry, I cannot rewrite this code.", "no Python code"),
     ('```json\n{"a": 1}\n```', "only a json block")],
)
def test_empty_and_non_code_answers_are_refused_with_the_reason(reply: str, says: str) -> None:
    with pytest.raises(CodeRejected) as refused:
        extract_code(reply, [ENCODER])
    assert says in str(refused.value)


@pytest.mark.parametrize("fixture", ["orders", "sessions", "running_example"])
def test_the_fixture_rewrites_pass_the_checks(fixture: str) -> None:
    sources = {"orders": ("orders", "products"), "sessions": ("users", "events"),
               "running_example": ("customers", "mails")}[fixture]
    folder = FIXTURES / fixture
    check_code((folder / "prepare.py").read_text(), [Required("prepare", params=sources)], RESERVED, sources=sources)
    check_code((folder / "label.py").read_text(), [LABEL], RESERVED)
    check_code((folder / "encoder.py").read_text(), [ENCODER], RESERVED)


ENCODER_OK = "def encoder():\n    return None\n"


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("import os\n", "import of 'os' is not allowed"),
        ("from subprocess import run\n", "import of 'subprocess' is not allowed"),
        ("import socket\n", "import of 'socket' is not allowed"),
        ("import requests\n", "import of 'requests' is not allowed"),
        ("import pathlib\n", "import of 'pathlib' is not allowed"),
        ("from pandas.io import parsers\n", "import of 'pandas.io' is not allowed"),
        ("from lester_dagster.storage import artifacts\n", "import of 'lester_dagster.storage' is not allowed"),
        ("X = open('/etc/passwd').read()\n", "open is not allowed"),
        ("X = eval('1 + 1')\n", "eval is not allowed"),
        ("X = exec\n", "exec is not allowed"),
        ("X = compile('1', 'f', 'eval')\n", "compile is not allowed"),
        ("X = __import__('os')\n", "__import__ is not allowed"),
        ("X = globals()\n", "globals is not allowed"),
        ("X = ().__class__.__bases__[0].__subclasses__()\n", "attribute __bases__ is not allowed"),
        ("X = getattr(encoder, '__globals__')\n", "attribute __globals__ is not allowed"),
        ("X = getattr(encoder, NAME)\n", "getattr needs a plain attribute name"),
        ("X = '{0.__class__}'.format(1)\n", "format string that reads attributes"),
        ("import numpy as np\nX = np.load('weights.npy')\n", ".load reads or writes files"),
        ("print('hello')\n", "top-level expr statement runs on import"),
        ("for i in range(3):\n    pass\n", "top-level for statement"),
        ("LABEL = 'y'\n", "do not define 'LABEL'"),
    ],
)
def test_unsafe_code_is_refused_before_it_runs(code: str, says: str) -> None:
    with pytest.raises(CodeRejected) as refused:
        check_code(code + ENCODER_OK, [ENCODER], RESERVED)
    assert any(says in p for p in refused.value.problems), refused.value.problems


def test_paths_and_file_readers_ask_for_the_sources_refinement() -> None:
    code = (
        "import pandas as pd\n\n"
        "def prepare(orders_csv, products_csv):\n"
        "    orders = pd.read_csv('data/orders.csv')\n"
        "    return orders\n"
    )
    with pytest.raises(CodeRejected) as refused:
        check_code(code, [PREPARE], RESERVED, sources=("orders", "products"))
    assert refused.value.refinement == "refine_sources"
    problems = " ".join(refused.value.problems)
    assert ".read_csv reads or writes files" in problems
    assert "'data/orders.csv' looks like a file path" in problems
    assert "it lacks ['orders', 'products']" in problems


def test_a_lambda_that_does_not_fit_its_declared_columns_asks_for_the_columns_refinement() -> None:
    code = (
        "def prepare(orders, products):\n"
        "    return orders.project('total', ['quantity'], lambda quantity, price: quantity * price)\n"
    )
    with pytest.raises(CodeRejected) as refused:
        check_code(code, [PREPARE], RESERVED, sources=("orders", "products"))
    assert refused.value.refinement == "refine_columns"
    assert "declares input columns ['quantity'] but its lambda takes parameters ['quantity', 'price']" in str(
        refused.value)


@pytest.mark.parametrize(
    ("code", "required", "says"),
    [
        ("def other():\n    pass\n", ENCODER, "define the function `encoder()` (functions found: other)"),
        ("def encoder(data):\n    pass\n", ENCODER, "callable with 0 positional argument(s)"),
        ("def label(prepared, extra):\n    pass\n", LABEL, "callable with 1 positional argument(s)"),
        ("def label(prepared, *, scale):\n    pass\n", LABEL, "requires keywords ['scale']"),
        ("def encoder(:\n", ENCODER, "syntax error"),
    ],
)
def test_signatures_are_checked(code: str, required: Required, says: str) -> None:
    with pytest.raises(CodeRejected) as refused:
        check_code(code, [required], RESERVED)
    assert says in str(refused.value)


def test_execute_inside_prepare_is_refused() -> None:
    code = "def prepare(orders, products):\n    return orders.execute()\n"
    with pytest.raises(CodeRejected, match="runs the plan; return the Table"):
        check_code(code, [PREPARE], RESERVED, sources=("orders", "products"))


# ---- messy scripts: split and inputs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "functions"),
    [
        (REPO / "example_project" / "messy_pipeline.py", ("prepare", "encode", "labels")),
        (FIXTURES / "orders" / "messy_orders.py", ("load_orders", "make_features", "target")),
        (FIXTURES / "sessions" / "messy_sessions.py", ("build_user_table", "featurize", "churn_labels")),
    ],
)
def test_the_split_finds_preparation_encoding_and_label(script: Path, functions: tuple[str, str, str]) -> None:
    parts = split_script(script)
    assert (parts.prepare, parts.encode, parts.label) == functions
    assert all(parts.reasons.values())
    code = parts.code_for("prepare")
    assert f"def {functions[0]}(" in code and f"def {functions[1]}(" not in code


def test_the_split_brings_the_constants_and_imports_a_function_uses() -> None:
    code = split_script(FIXTURES / "orders" / "messy_orders.py").code_for("prepare")
    assert code.startswith("import pandas as pd\n")
    assert "WANTED_CATEGORIES = (" in code and "import numpy" not in code


def test_the_split_takes_overrides_and_explains_what_it_cannot_tell(tmp_path: Path) -> None:
    script = tmp_path / "messy.py"
    script.write_text("def step_one(path):\n    return open(path).read()\n\n"
                      "def step_two(rows):\n    return rows\n\ndef step_three(rows):\n    return rows\n")
    with pytest.raises(ScriptSplitError, match="--encode-fn"):
        split_script(script)
    parts = split_script(script, {"encode": "step_two", "label": "step_three"})
    assert parts.functions == {"prepare": "step_one", "encode": "step_two", "label": "step_three"}
    with pytest.raises(ScriptSplitError, match="no top-level function of that name"):
        split_script(script, {"encode": "missing"})
    (tmp_path / "flat.py").write_text("rows = [1, 2]\n")
    with pytest.raises(ScriptSplitError, match="defines no top-level functions"):
        split_script(tmp_path / "flat.py")


def test_inputs_are_bound_to_csv_files_by_name_or_folder(tmp_path: Path) -> None:
    orders = bind_inputs(["orders_path", "products_path"], FIXTURES / "orders", set())
    assert orders.arguments == {"orders_path": "orders", "products_path": "products"}
    assert {s.name: s.key for s in orders.sources} == {"orders": "order_id", "products": "product_id"}
    folder = bind_inputs(["data_dir"], FIXTURES / "sessions", {"users.csv"})
    assert folder.arguments == {"data_dir": ""} and [s.name for s in folder.sources] == ["users"]
    assert folder.messy_arguments(tmp_path) == {"data_dir": str(tmp_path)}
    with pytest.raises(ScriptSplitError, match="--input customers=FILE.csv"):
        bind_inputs(["customers"], FIXTURES / "orders", set())
    bound = bind_inputs(["a", "b"], FIXTURES / "orders", set(), {"a": "orders.csv", "b": "products"}, {"orders": None})
    assert {s.name: s.key for s in bound.sources} == {"orders": None, "products": "product_id"}


def test_keys_are_unique_id_columns(tmp_path: Path) -> None:
    (tmp_path / "visits.csv").write_text("visit_id,user_id\n1,7\n2,7\n")
    (tmp_path / "log.csv").write_text("user_id,n\n1,2\n1,3\n")
    assert infer_key(tmp_path / "visits.csv") == "visit_id"
    assert infer_key(tmp_path / "log.csv") is None


def test_the_sample_keeps_quoted_records_whole(tmp_path: Path) -> None:
    source = tmp_path / "texts.csv"
    source.write_text('id,text\n1,"a, b\nsecond line"\n2,"say ""hi"""\n3,plain\n')
    inputs = bind_inputs(["texts_csv"], tmp_path, set())
    sample, _ = covering_sample(inputs.sources, 2, tmp_path / "sample")
    frame = pd.read_csv(sample["texts"])
    assert frame.text.tolist() == ["a, b\nsecond line", 'say "hi"', "plain"]
    assert (tmp_path / "sample" / "texts.csv").read_text() == source.read_text()  # the records byte for byte


# ---- prompts ------------------------------------------------------------------------------------------


def test_every_prompt_has_a_version_and_fills_its_placeholders() -> None:
    for name in PROMPT_NAMES:
        prompt = load_prompt(name)
        assert prompt.version and prompt.placeholders, name
        text = prompt.render(**{p: f"<{p}>" for p in prompt.placeholders})
        assert "${" not in text and "# version" not in text
    with pytest.raises(PromptError, match="needs values for"):
        load_prompt("prepare").render(messy_code="x")


def test_the_packaged_prompts_are_the_repo_prompts() -> None:
    # An installed wheel reads lester_dagster/rewrite/templates, a link to the repo's prompts/ folder.
    packaged = REPO / "lester_dagster" / "rewrite" / "templates"
    assert prompts_dir() == REPO / "prompts"
    assert sorted(p.name for p in packaged.glob("*.txt")) == sorted(p.name for p in (REPO / "prompts").glob("*.txt"))
    assert all((packaged / p.name).read_text() == p.read_text() for p in (REPO / "prompts").glob("*.txt"))


def test_a_prompt_without_a_version_is_refused(tmp_path: Path) -> None:
    (tmp_path / "prepare.txt").write_text("# a template\n\nRewrite this.\n")
    with pytest.raises(PromptError, match="no '# version: N' line"):
        load_prompt("prepare", tmp_path)


# ---- comparison -------------------------------------------------------------------------------------------


def test_tables_compare_rows_order_insensitively_with_float_tolerance() -> None:
    expected = pd.DataFrame({"id": [1, 2, 3], "name": ["a", "b", "c"], "score": [0.1, 0.2, 0.3]})
    got = expected.iloc[[2, 0, 1]].reset_index(drop=True)
    got["score"] = got["score"] + 1e-9
    differences, alignment = compare_tables(expected, got)
    assert differences == []
    rows_expected, rows_got = alignment
    assert expected.id.to_numpy()[rows_expected].tolist() == got.id.to_numpy()[rows_got].tolist()


def test_table_differences_name_the_column_and_show_examples() -> None:
    expected = pd.DataFrame({"id": [1, 2, 3], "region": ["north", "south", "east"], "total": [1.0, 2.0, 3.0]})
    missing, _ = compare_tables(expected, expected.drop(columns="total"))
    assert "missing column(s) ['total']" in missing[0].message
    typed, _ = compare_tables(expected, expected.assign(total=["1", "2", "3"]))
    assert typed[0].kind == "dtype" and "column 'total' holds string values, the original float" in typed[0].message
    upper, _ = compare_tables(expected, expected.assign(region=expected.region.str.upper()))
    assert upper[0].message == "column 'region' differs in 3 of 3 rows matched by 'id' (id 1, 2, 3)"
    assert upper[0].examples[0] == {"id": 1, "original": "north", "rewrite": "NORTH"}
    anonymous = expected.drop(columns="id")  # no column identifies the rows: compared as multisets
    upper, _ = compare_tables(anonymous, anonymous.assign(region=anonymous.region.str.upper()))
    assert "3 row(s) of the original are missing" in upper[0].message and "['region']" in upper[0].message
    assert upper[0].examples[0] == {"region": "north", "total": 1.0}
    values, _ = compare_tables(expected, expected.assign(total=[1.0, 2.5, 3.0]))
    assert values[0].column == "total" and "differs in 1 of 3 rows" in values[0].message


def test_matrices_name_the_differing_columns_and_spot_reordered_blocks() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 4))
    assert compare_matrices(X, X + 1e-9, Tolerance()) == []
    shape = compare_matrices(X, X[:, :3], Tolerance())
    assert "shape (5, 3), the original (5, 4): -1 feature column(s)" in shape[0].message
    swapped = compare_matrices(X, X[:, [1, 0, 2, 3]], Tolerance(), {"a": [0, 1], "b": [1, 2], "c": [2, 4]})
    assert "differs in 2 of 4 columns (0-1)" in swapped[0].message
    assert "transformer(s) ['a', 'b']" in swapped[0].message and "order the transformers" in swapped[0].message


# ---- assembling the module ----------------------------------------------------------------------------------


def test_the_module_keeps_where_each_line_came_from_and_refuses_clashing_helpers() -> None:
    parts = {
        "prepare": "import numpy as np\n\nSCALE = 2\n\n\ndef prepare(orders):\n    return orders\n",
        "label": "def label(prepared):\n    return prepared\n",
        "encoder": "import numpy as np\nfrom sklearn.compose import ColumnTransformer\n\n\n"
                   "def encoder():\n    return ColumnTransformer([])\n",
    }
    module = assemble(parts, {"orders": "order_id"}, "label", "demo", "Demo.")
    lines = module.text.splitlines()
    assert module.text.count("import numpy as np") == 1
    assert 'SOURCES = {"orders": "order_id"}' in lines and 'LABEL = "label"' in lines
    where = {module.origin(i + 1): line for i, line in enumerate(lines) if module.origin(i + 1)}
    assert where[("prepare", 6)] == "def prepare(orders):" and where[("encoder", 5)] == "def encoder():"
    namespace: dict = {}
    exec(compile(module.text, "candidate.py", "exec"), namespace)  # noqa: S102 - our own assembled test module
    assert namespace["PIPELINE"].sources == {"orders": "order_id"}
    clash = dict(parts, label="SCALE = 3\n\n\ndef label(prepared):\n    return prepared\n")
    with pytest.raises(CodeRejected, match="`SCALE` is also defined, differently, by the prepare code") as refused:
        assemble(clash, {"orders": "order_id"}, "label", "demo", "Demo.")
    assert refused.value.part == "label"


# ---- configuration ------------------------------------------------------------------------------------------


def test_the_endpoint_comes_from_options_then_lester_then_openai_variables() -> None:
    env = {"OPENAI_BASE_URL": "http://openai-like/v1", "OPENAI_API_KEY": "k1", "LESTER_LLM_MODEL": "m"}
    assert LLMConfig.resolve(environ=env) == LLMConfig("http://openai-like/v1", "k1", "m")
    env |= {"LESTER_LLM_BASE_URL": "http://lester/v1", "LESTER_LLM_API_KEY": "k2"}
    assert LLMConfig.resolve(environ=env).base_url == "http://lester/v1"
    assert LLMConfig.resolve("http://cli/v1", model="cli-model", environ=env).model == "cli-model"
    assert "k2" not in str(LLMConfig.resolve(environ=env).describe())


def test_no_endpoint_or_model_is_a_clear_error() -> None:
    with pytest.raises(LLMConfigError, match="--base-url.*LESTER_LLM_BASE_URL.*OPENAI_BASE_URL"):
        LLMConfig.resolve(environ={})
    with pytest.raises(LLMConfigError, match="--model or set LESTER_LLM_MODEL"):
        LLMConfig.resolve(environ={"LESTER_LLM_BASE_URL": "http://x/v1"})


def test_importing_the_rewrite_package_touches_no_network_and_no_heavy_modules() -> None:
    code = ("import sys, lester_dagster.rewrite, lester_dagster.rewrite.runner; "
            "print(sorted(m for m in ('openai', 'httpx', 'pandas', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_original_script_is_never_an_output() -> None:
    script = FIXTURES / "orders" / "messy_orders.py"
    with pytest.raises(RewriteError, match="must differ from the messy script"):
        start(script, RewriteOptions(data=FIXTURES / "orders", out=script))

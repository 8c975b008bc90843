"""Invalid input raises TallyError with the TypeScript SDK's codes and logs nothing of that call."""
from __future__ import annotations

import math

import pytest

import tally
from tally.spool import KIND_POINTS, iter_spool_file


def code_of(call) -> str:
    with pytest.raises(tally.TallyError) as e:
        call()
    assert e.value.message  # every error says what happened
    return e.value.code


@pytest.fixture
def run(tally_dir):
    r = tally.init(project="p", dir=tally_dir)
    yield r
    r.finish()


@pytest.mark.parametrize("key", ["", "a\x00b", "k" * 256, 3, None])
def test_bad_keys(run, key):
    assert code_of(lambda: run.log({key: 1})) == "invalid_key"


@pytest.mark.parametrize("value", ["0.5", None, [1], {"a": 1}, b"1", 10**400])
def test_bad_values(run, value):
    assert code_of(lambda: run.log({"a": value})) == "invalid_value"


@pytest.mark.parametrize("step", [-1, 1.5, "3", True, 2**53, math.nan, math.inf])
def test_bad_steps(run, step):
    assert code_of(lambda: run.log({"a": 1}, step=step)) == "invalid_step"


def test_a_rejected_call_logs_nothing(run):
    run.log({"a": 1, "b": 2})
    assert code_of(lambda: run.log({"a": 3, "b": "x"})) == "invalid_value"
    assert code_of(lambda: run.log({"a": 4, "": 1})) == "invalid_key"
    run.log({"a": 5})
    run.flush()
    rows = [row for r in iter_spool_file(run.spool_path) if r.kind == KIND_POINTS for row in r.points.rows()]
    assert [row["values"] for row in rows] == [{"a": 1.0, "b": 2.0}, {"a": 5.0}]
    assert [row["step"] for row in rows] == [0, 1]


def test_log_takes_a_dict(run):
    assert code_of(lambda: run.log([("a", 1)])) == "invalid_argument"


@pytest.mark.parametrize("config", [{"f": print}, {"o": object()}, {"s": {1, 2}}, [1, 2], "lr=1", {(1, 2): 3}])
def test_bad_config(tally_dir, config):
    assert code_of(lambda: tally.init(project="p", dir=tally_dir, config=config)) == "invalid_config"


def test_config_cycles_and_later_changes_are_refused(run):
    cyclic: dict = {}
    cyclic["self"] = cyclic
    assert code_of(lambda: run.config.update(cyclic)) == "invalid_config"
    assert code_of(lambda: run.config.__setitem__("f", print)) == "invalid_config"
    assert code_of(lambda: run.config.__delitem__("x")) == "invalid_config"


@pytest.mark.parametrize(
    "options, code",
    [
        ({"project": ""}, "invalid_project"),
        ({"project": "a\x00"}, "invalid_project"),
        ({"project": 3}, "invalid_project"),
        ({"name": ""}, "invalid_name"),
        ({"group": "g" * 256}, "invalid_name"),
        ({"description": "d" * 1001}, "invalid_name"),
        ({"tags": "a,b"}, "invalid_tags"),
        ({"tags": [""]}, "invalid_tags"),
        ({"tags": ["t"] * 51}, "invalid_tags"),
        ({"id": "no spaces"}, "invalid_argument"),
        ({"resume": "sometimes"}, "invalid_resume"),
        ({"resume": "must"}, "invalid_resume"),
    ],
)
def test_bad_init_options(tally_dir, options, code):
    assert code_of(lambda: tally.init(dir=tally_dir, **options)) == code


def test_bad_rich_values():
    assert code_of(lambda: tally.Table(columns=["a"], data=[[1, 2]])) == "invalid_value"
    assert code_of(lambda: tally.Table(columns=["a"], data=[[1]] * 10_001)) == "value_too_large"
    assert code_of(lambda: tally.Histogram([1, 2], bins=513)) == "value_too_large"
    assert code_of(lambda: tally.Histogram(edges=[0, 0], counts=[1])) == "invalid_value"
    assert code_of(lambda: tally.Image(b"GIF89a")) == "invalid_value"
    assert code_of(lambda: tally.Markdown(3)) == "invalid_value"


def test_bad_result_and_metadata(run):
    assert code_of(lambda: run.result("", 1)) == "invalid_key"
    assert code_of(lambda: run.result("a", "high")) == "invalid_value"
    assert code_of(lambda: run.log({"a": 1}, metadata={"big": "x" * 11_000})) == "invalid_metadata"
    assert code_of(lambda: run.log({"a": 1}, metadata=[1])) == "invalid_metadata"


def test_error_codes_are_the_typescript_list():
    import re
    from pathlib import Path

    ts = (Path(__file__).resolve().parents[3] / "packages" / "sdk" / "src" / "errors.ts").read_text()
    assert tuple(re.findall(r"^  (\w+): '\1',$", ts, re.M)) == tally.ERROR_CODES


class _Float64(float):
    """numpy.float64 is a float subclass: what a step computed with numpy is."""


class _Int64:
    """numpy/torch integer scalars: not ints, but they have __index__."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __index__(self) -> int:
        return self.n


class _FloatTensor:
    """A torch float tensor has __index__ and refuses it with TypeError."""

    def __index__(self) -> int:
        raise TypeError("only integer tensors of a single element can be converted to an index")


def test_whole_floats_and_index_scalars_are_steps(run):
    run.log({"a": 1}, step=5.0)
    run.log({"a": 2}, step=_Float64(6.0))
    run.log({"a": 3}, step=_Int64(7))
    assert run.step == 8
    run.flush()
    rows = [row for r in iter_spool_file(run.spool_path) if r.kind == KIND_POINTS for row in r.points.rows()]
    assert [row["step"] for row in rows] == [5, 6, 7]


@pytest.mark.parametrize("step", [_Float64(1.5), _Float64(math.nan), _FloatTensor(), _Int64(-1)])
def test_bad_step_scalars(run, step):
    assert code_of(lambda: run.log({"a": 1}, step=step)) == "invalid_step"


def test_numpy_steps(run):
    np = pytest.importorskip("numpy")
    run.log({"a": 1}, step=np.float64(5.0))
    run.log({"a": 1}, step=np.int64(6))
    assert run.step == 7
    assert code_of(lambda: run.log({"a": 1}, step=np.float64(6.5))) == "invalid_step"


def test_result_on_a_finished_run_says_finished_before_checking_its_arguments(tally_dir):
    r = tally.init(project="p", dir=tally_dir)
    r.finish()
    assert code_of(lambda: r.result("", "not a number")) == "run_finished"

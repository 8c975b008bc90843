"""tally.wandb: a common wandb script with only the import changed, read back through the TS CLI;
wandb's step and commit rules; config and summary access; disabled mode."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import tally
import tally.wandb as wandb

from support import cli, run_child, run_script


def test_a_common_wandb_script(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import argparse
        import math
        import tally.wandb as wandb

        parser = argparse.ArgumentParser()
        parser.add_argument("--lr", type=float, default=0.01)
        parser.add_argument("--epochs", type=int, default=3)
        args = parser.parse_args([])

        run = wandb.init(project="mnist", name="baseline", config=args, tags=["cnn"], group="sweep-1", notes="first try")
        wandb.config.update({"batch_size": 64})
        wandb.config.optimizer = "adam"
        assert wandb.config.lr == 0.01 and wandb.config["epochs"] == 3

        table = wandb.Table(columns=["epoch", "loss"])
        for epoch in range(wandb.config.epochs):
            loss = 1 / (epoch + 1)
            wandb.log({"train": {"loss": loss}, "lr": args.lr}, commit=False)
            wandb.log({"val_loss": loss * 1.1})
            table.add_data(epoch, loss)
        wandb.log({"losses": table, "weights": wandb.Histogram([0.1, 0.2, 0.9], num_bins=3)})
        wandb.log({"nan": math.nan, "inf": math.inf})
        run.summary["best_loss"] = 1 / 3
        wandb.run.summary.update({"epochs_done": 3})
        print(run.id)
        wandb.finish()
        """
    )
    run_id = run_script(tmp_path, script).strip()
    run = cli(tmp_path, "run", run_id)
    assert run["name"] == "baseline" and run["group"] == "sweep-1" and run["tags"] == ["cnn"]
    assert run["description"] == "first try" and run["status"] == "finished"
    assert run["config"] == {"lr": 0.01, "epochs": 3, "batch_size": 64, "optimizer": "adam"}
    assert run["summary"]["best_loss"] == 1 / 3 and run["summary"]["epochs_done"] == 3
    # commit=False gathers train.loss and lr into the step of the next committing call.
    assert cli(tmp_path, "series", run_id, "train.loss")["steps"] == [0, 1, 2]
    assert cli(tmp_path, "series", run_id, "val_loss")["steps"] == [0, 1, 2]
    assert cli(tmp_path, "series", run_id, "lr")["values"] == [0.01, 0.01, 0.01]
    nan = cli(tmp_path, "series", run_id, "nan")
    assert nan["steps"] == [4] and nan["values"] == ["NaN"]
    assert cli(tmp_path, "series", run_id, "inf")["values"] == ["Infinity"]


def test_step_without_commit_stays_open_until_a_larger_step(tmp_path: Path) -> None:
    run = wandb.init(project="steps", dir=str(tmp_path), capture=False, quiet=True)
    wandb.log({"a": 1}, step=5)
    wandb.log({"b": 2}, step=5)
    assert run.step == 5
    wandb.log({"a": 3}, step=7)  # commits step 5
    wandb.log({"a": 0}, step=6)  # below the current step: not logged, as wandb
    wandb.log({"c": 4})  # no step: commits 7 with a and c together
    wandb.finish()
    assert cli(tmp_path, "series", run.id, "a")["steps"] == [5, 7]
    assert cli(tmp_path, "series", run.id, "b")["steps"] == [5]
    assert cli(tmp_path, "series", run.id, "c")["steps"] == [7]
    with pytest.raises(tally.TallyError) as e:
        run.log({"a": 1})
    assert e.value.code == "run_finished"


def test_a_step_left_open_is_written_when_the_script_ends_without_finish(tmp_path: Path) -> None:
    # The reviewer's wb1.py: each step=N stays open until a larger step, so step 4 was lost at exit.
    done = run_child(
        tmp_path,
        """
        import tally.wandb as wandb
        wandb.init(project="p", quiet=True)
        for step in range(5):
            wandb.log({"loss": 1.0/(step+1)}, step=step)
        print(wandb.run.id)
        """,
        env={"PYTHONUNBUFFERED": "1"},
    )
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip()
    assert cli(tmp_path, "run", run_id)["status"] == "finished"
    series = cli(tmp_path, "series", run_id, "loss")
    assert series["steps"] == [0, 1, 2, 3, 4]
    assert series["values"] == [1, 0.5, 1 / 3, 0.25, 0.2]


def test_values_logged_without_commit_are_written_at_exit(tmp_path: Path) -> None:
    # The reviewer's wb2.py: a trailing commit=False was lost when the script ended.
    done = run_child(
        tmp_path,
        """
        import tally.wandb as wandb
        wandb.init(project="p", quiet=True)
        for step in range(5):
            wandb.log({"lr": 0.1}, commit=False)
            wandb.log({"loss": 1.0/(step+1)})
        wandb.log({"extra": 1.0}, commit=False)
        print(wandb.run.id)
        """,
        env={"PYTHONUNBUFFERED": "1"},
    )
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip()
    assert cli(tmp_path, "series", run_id, "lr")["steps"] == [0, 1, 2, 3, 4]
    assert cli(tmp_path, "series", run_id, "loss")["steps"] == [0, 1, 2, 3, 4]
    assert cli(tmp_path, "series", run_id, "extra")["steps"] == [5]


def test_pending_values_are_written_when_the_script_dies_of_an_exception(tmp_path: Path) -> None:
    done = run_child(
        tmp_path,
        """
        import tally.wandb as wandb
        wandb.init(project="p", quiet=True)
        wandb.log({"loss": 0.5}, step=3)
        print(wandb.run.id)
        raise RuntimeError("boom")
        """,
        env={"PYTHONUNBUFFERED": "1"},
    )
    assert done.returncode == 1 and "RuntimeError: boom" in done.stderr
    run_id = done.stdout.strip()
    assert cli(tmp_path, "run", run_id)["status"] == "failed"
    assert cli(tmp_path, "series", run_id, "loss")["steps"] == [3]


def test_finish_unregisters_the_exit_commit(tmp_path: Path) -> None:
    from tally import lifecycle

    before = len(lifecycle._drains)
    wandb.init(project="drain", dir=str(tmp_path), capture=False, quiet=True)
    assert len(lifecycle._drains) == before + 1
    wandb.finish()
    assert len(lifecycle._drains) == before


def test_step_may_be_any_integer_type_such_as_numpy_int(tmp_path: Path) -> None:
    class Index:  # what numpy.int64 offers: __index__, no int subclass
        def __init__(self, n: int) -> None:
            self.n = n

        def __index__(self) -> int:
            return self.n

    steps = [Index(2)]
    try:
        import numpy

        steps.append(numpy.int64(4))
    except ImportError:
        pass
    run = wandb.init(project="np", dir=str(tmp_path), capture=False, quiet=True)
    for step in steps:
        wandb.log({"x": 1.0}, step=step)
    assert run.step == steps[-1].__index__()
    for bad in (1.0, "3", True):
        with pytest.raises(tally.TallyError) as e:
            wandb.log({"x": 1.0}, step=bad)
        assert e.value.code == "invalid_step"
    wandb.finish()
    assert cli(tmp_path, "series", run.id, "x")["steps"] == [s.__index__() for s in steps]


def test_context_manager_and_finish_with_exit_code(tmp_path: Path) -> None:
    with wandb.init(project="ctx", dir=str(tmp_path), capture=False, quiet=True) as run:
        run.log({"x": 1})
    assert wandb.run is None
    failing = wandb.init(project="ctx", dir=str(tmp_path), capture=False, quiet=True)
    wandb.finish(exit_code=2)
    assert cli(tmp_path, "run", run.id)["status"] == "finished"
    assert cli(tmp_path, "run", failing.id)["status"] == "failed"


def test_resume_must_and_allow(tmp_path: Path) -> None:
    first = wandb.init(project="resume", id="resumeme0001", dir=str(tmp_path), capture=False, quiet=True)
    wandb.log({"loss": 1.0})
    wandb.finish()
    cli(tmp_path, "ingest")
    again = wandb.init(project="resume", id="resumeme0001", resume="must", dir=str(tmp_path), capture=False, quiet=True)
    assert again.resumed and again.step == 1
    wandb.log({"loss": 0.5})
    wandb.finish()
    assert cli(tmp_path, "series", first.id, "loss")["steps"] == [0, 1]
    with pytest.raises(tally.TallyError) as e:
        wandb.init(project="resume", id="missing00001", resume="must", dir=str(tmp_path), capture=False, quiet=True)
    assert e.value.code == "run_not_found"
    with pytest.raises(tally.TallyError) as e:
        wandb.init(project="resume", resume="sometimes", dir=str(tmp_path))
    assert e.value.code == "invalid_resume"


def test_disabled_mode_records_nothing(tmp_path: Path) -> None:
    run = wandb.init(project="off", mode="disabled", dir=str(tmp_path))
    wandb.config.lr = 0.1
    wandb.log({"loss": 1})
    wandb.finish()
    assert run.disabled and not (tmp_path / "spool").exists()


def test_config_before_init_and_bad_log(tmp_path: Path) -> None:
    with pytest.raises(tally.TallyError) as e:
        wandb.config.lr
    assert e.value.code == "no_active_run"
    wandb.init(project="bad", dir=str(tmp_path), capture=False, quiet=True)
    try:
        with pytest.raises(tally.TallyError) as e:
            wandb.log([1, 2])
        assert e.value.code == "invalid_argument"
        with pytest.raises(tally.TallyError) as e:
            wandb.log({"a": 1}, step=-1)
        assert e.value.code == "invalid_step"
    finally:
        wandb.finish()


def test_table_add_data_checks_the_row_width() -> None:
    table = wandb.Table(columns=["a", "b"], data=[[1, 2]])
    table.add_column("c", [3])
    assert table.get_column("c") == [3]
    with pytest.raises(tally.TallyError):
        table.add_data(1, 2)
    assert table.to_core().payload() == {"columns": ["a", "b", "c"], "rows": [[1, 2, 3]]}

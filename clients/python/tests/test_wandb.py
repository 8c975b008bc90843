"""tally.wandb: a common wandb script with only the import changed, read back through the TS CLI;
wandb's step and commit rules; config and summary access; disabled mode."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tally
import tally.wandb as wandb

REPO = Path(__file__).resolve().parents[3]
CLI = REPO / "packages" / "server" / "dist" / "cli" / "main.js"


def cli(dir: Path, *args: str):
    out = subprocess.run(["node", str(CLI), *args, "--dir", str(dir), "--json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


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
    env = {**os.environ, "TALLY_DIR": str(tmp_path), "TALLY_CAPTURE": "0"}
    env.pop("TALLY_SERVER_URL", None)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip()
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

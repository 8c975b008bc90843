"""The transformers callback and the Lightning logger. Neither package is installed by the
test script (they are heavy): their logic runs here through TrainerLogging and
LoggerLogging, on plain stand-ins for transformers' args/state and Lightning's calls, into a
real run read back through the TypeScript CLI. The real subclasses are checked only where
the package imports."""
from __future__ import annotations

import math
from argparse import Namespace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict

import pytest

import tally
from tally.errors import TallyError
from tally.integrations import lightning as tl
from tally.integrations import transformers as tt

from support import cli


class Args:
    """What the callback reads of transformers' TrainingArguments."""

    run_name = "out/bert-base"

    def to_sanitized_dict(self) -> Dict[str, Any]:
        return {"learning_rate": 5e-05, "num_train_epochs": 2, "lr_scheduler_type": "linear", "report_to": "[]"}


def test_metric_names_follow_the_wandb_callback() -> None:
    assert tt.metric_name("loss") == "train/loss"
    assert tt.metric_name("eval_accuracy") == "eval/accuracy"
    assert tt.metric_name("test_f1") == "test/f1"
    metrics, other = tt.split_logs({"loss": 0.5, "grad_norm": float("inf"), "epoch": 1, "note": "warm", "flag": True})
    assert metrics == {"train/loss": 0.5, "train/grad_norm": math.inf, "train/epoch": 1.0}
    assert other == {"train/note": "warm", "train/flag": True}


def test_training_config_takes_args_and_the_model_config() -> None:
    model = SimpleNamespace(config=SimpleNamespace(to_dict=lambda: {"hidden_size": 768, "dtype": object.__name__}))
    config = tt.training_config(Args(), model)
    assert config["learning_rate"] == 5e-05 and config["model"] == {"hidden_size": 768, "dtype": "object"}
    assert tt.training_config(None) == {}


def test_trainer_hooks_log_a_run_read_back_by_the_cli(tmp_path: Path) -> None:
    dir = tmp_path / "tally"
    callback = tt.TrainerLogging(project="hf", dir=str(dir), capture=False, quiet=True)
    args = Args()
    state = SimpleNamespace(global_step=0, is_world_process_zero=True)
    callback.on_train_begin(args, state, None, model=None)
    run = callback.run
    for step, loss in ((10, 0.9), (20, 0.7), (30, float("nan"))):
        state.global_step = step
        callback.on_log(args, state, None, logs={"loss": loss, "learning_rate": 1e-5, "epoch": step / 30})
    callback.on_log(args, state, None, logs={"eval_loss": 0.65, "eval_runtime": 1.5})
    callback.on_log(args, state, None, logs={"train_runtime": 12.0, "train_loss": 0.8, "stage": "done"})
    callback.on_train_end(args, state, None)
    assert run.finished

    shown = cli(dir, "run", run.id)
    assert shown["name"] == "out/bert-base" and shown["status"] == "finished"
    assert shown["config"]["learning_rate"] == 5e-05 and shown["config"]["lr_scheduler_type"] == "linear"
    assert shown["summary"]["train/stage"] == "done"
    loss = cli(dir, "series", run.id, "train/loss")
    assert loss["steps"] == [10, 20, 30] and loss["values"] == [0.9, 0.7, "NaN"]
    assert cli(dir, "series", run.id, "eval/loss")["steps"] == [30]


def test_trainer_hooks_on_other_ranks_log_nothing(tmp_path: Path) -> None:
    callback = tt.TrainerLogging(project="hf", dir=str(tmp_path), capture=False, quiet=True)
    state = SimpleNamespace(global_step=5, is_world_process_zero=False)
    callback.on_train_begin(Args(), state, None)
    callback.on_log(Args(), state, None, logs={"loss": 1.0})
    callback.on_train_end(Args(), state, None)
    assert callback.run is None and not (tmp_path / "spool").exists()


def test_trainer_hooks_use_the_current_run_and_leave_it_open(tmp_path: Path) -> None:
    run = tally.init(project="hf", dir=str(tmp_path), capture=False, quiet=True)
    try:
        callback = tt.TrainerLogging()
        state = SimpleNamespace(global_step=1, is_world_process_zero=True)
        callback.on_train_begin(Args(), state, None)
        callback.on_log(Args(), state, None, logs={"loss": 0.1})
        callback.on_train_end(Args(), state, None)
        assert callback.run is run and not run.finished
    finally:
        run.finish()
    assert cli(tmp_path, "series", run.id, "train/loss")["values"] == [0.1]


def test_lightning_logger_logic_logs_a_run_read_back_by_the_cli(tmp_path: Path) -> None:
    logger = tl.LoggerLogging(project="pl", name="baseline", dir=str(tmp_path), capture=False, quiet=True)
    logger.log_hyperparams(Namespace(lr=0.1, optim={"name": "adam", "betas": (0.9, 0.99)}, layers=2, note=None))
    for step in range(3):
        logger.log_metrics({"train_loss": 1.0 / (step + 1), "epoch": 0}, step=step)
    logger.log_metrics({"val_loss": float("-inf")}, step=2)
    assert logger.name == "pl" and logger.version == logger.experiment.id
    logger.finalize("success")
    logger.finalize("success")  # Lightning calls it again after test(); finishing is idempotent

    shown = cli(tmp_path, "run", logger.version)
    assert shown["status"] == "finished" and shown["name"] == "baseline"
    assert shown["config"] == {"lr": 0.1, "optim/name": "adam", "optim/betas": [0.9, 0.99], "layers": 2, "note": None}
    assert cli(tmp_path, "series", logger.version, "train_loss")["steps"] == [0, 1, 2]
    assert cli(tmp_path, "series", logger.version, "epoch")["values"] == [0, 0, 0]
    val = cli(tmp_path, "series", logger.version, "val_loss")["values"]
    assert val == ["-Infinity"]  # the CLI's JSON names what JSON cannot carry


def test_lightning_finalize_failed_marks_the_run_failed(tmp_path: Path) -> None:
    logger = tl.LoggerLogging(project="pl", dir=str(tmp_path), capture=False, quiet=True)
    logger.log_metrics({"loss": 1.0}, step=0)
    logger.finalize("failed")
    assert cli(tmp_path, "run", logger.version)["status"] == "failed"


def test_lightning_logger_refuses_what_is_not_a_metric(tmp_path: Path) -> None:
    logger = tl.LoggerLogging(project="pl", dir=str(tmp_path), capture=False, quiet=True)
    with pytest.raises(TallyError) as e:
        logger.log_metrics({"loss": "high"}, step=0)
    assert e.value.code == "invalid_value" and "loss" in str(e.value)
    with pytest.raises(TallyError) as e:
        logger.log_hyperparams(["lr", 0.1])
    assert e.value.code == "invalid_config"
    logger.finalize("success")


def test_without_the_package_the_classes_say_what_to_install() -> None:
    if tt._TrainerCallback is None:
        with pytest.raises(TallyError) as e:
            tt.TallyCallback(project="x")
        assert e.value.code == "invalid_argument" and "pip install transformers" in str(e.value)
    else:
        assert isinstance(tt.TallyCallback(), tt._TrainerCallback)
    if tl._Logger is None:
        with pytest.raises(TallyError) as e:
            tl.TallyLogger(project="x")
        assert e.value.code == "invalid_argument" and "pip install lightning" in str(e.value)
    else:
        assert isinstance(tl.TallyLogger(project="x"), tl._Logger)


def test_real_trainer_callback_when_transformers_imports(tmp_path: Path) -> None:
    transformers = pytest.importorskip("transformers")
    callback = tt.TallyCallback(project="hf", dir=str(tmp_path), capture=False, quiet=True)
    assert isinstance(callback, transformers.TrainerCallback)
    state = transformers.TrainerState()
    state.global_step = 3
    args = Args()  # TrainingArguments itself needs torch
    callback.on_train_begin(args, state, transformers.TrainerControl())
    callback.on_log(args, state, transformers.TrainerControl(), logs={"loss": 0.25})
    callback.on_train_end(args, state, transformers.TrainerControl())
    assert cli(tmp_path, "series", callback.run.id, "train/loss")["steps"] == [3]


def test_real_lightning_logger_when_lightning_imports(tmp_path: Path) -> None:
    if tl._Logger is None:
        pytest.importorskip("lightning")
    logger = tl.TallyLogger(project="pl", dir=str(tmp_path), capture=False, quiet=True)
    logger.log_hyperparams({"lr": 0.1})
    logger.log_metrics({"loss": 0.5}, step=4)
    logger.finalize("success")
    assert cli(tmp_path, "series", logger.version, "loss")["steps"] == [4]

"""tally.trackio: seeds 002 and 003's usage with only the import changed, read back through
the TS CLI; rich values; show against a real `tally ui`; sync against a real `tally serve`."""
from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

import tally
import tally.trackio as trackio

from support import cli, run_script


def runs(dir: Path, project: str):
    return {r["name"]: r for r in cli(dir, "runs", project)}


def test_seed_002_track_guide(tmp_path: Path) -> None:
    # Seed 002's snippets in order; the table is the seed's DataFrame given as its columns
    # (pandas is not installed here; test_table_from_a_pandas_dataframe covers DataFrames).
    run_script(
        tmp_path,
        """
        import tally.trackio as trackio

        trackio.init(project_name="my_project")
        trackio.finish()

        trackio.init(project_name="my_project", run_name="my_first_run")
        trackio.log({"loss": 0.05})
        trackio.log({
            "loss": 0.05,
            "accuracy": 0.95,
        })
        df = {
            "prompt": ["Trackio", "Logging is"],
            "completion": ["is great!", "easy and fun!"],
            "reward": [0.123, 0.456],
        }
        trackio.log(
            {
                "texts": trackio.Table(dataframe=df),
            }
        )
        trackio.finish()
        """,
    )
    # The store takes the run before it is resumed. (Ingesting the resumed writer's file
    # first makes the store refuse the original's resume='never' event with run_exists: a
    # store ordering issue that TypeScript's spool has too, reported separately.)
    cli(tmp_path, "ingest")
    run_script(
        tmp_path,
        """
        import tally.trackio as trackio

        trackio.init(project_name="my_project", run_name="my_first_run", resume="must")
        trackio.log({"loss": 0.01})
        trackio.finish()

        trackio.init(
            project_name="my_project",
            run_name="configured",
            config={
                "learning_rate": 0.001,
                "batch_size": 32,
            }
        )
        trackio.finish()
        """,
    )
    by_name = runs(tmp_path, "my_project")
    assert set(by_name) >= {"my_first_run", "configured"} and len(by_name) == 3
    first = by_name["my_first_run"]
    loss = cli(tmp_path, "series", first["id"], "loss")
    # Each log is one step. The resumed run goes on after its last numeric step (1): a
    # rich value's step (the table's, 2) does not count, in TypeScript's resume as here.
    assert loss["steps"] == [0, 1, 2] and loss["values"] == [0.05, 0.05, 0.01]
    assert cli(tmp_path, "series", first["id"], "accuracy")["steps"] == [1]
    assert by_name["configured"]["config"] == {"learning_rate": 0.001, "batch_size": 32}
    assert all(r["status"] == "finished" for r in by_name.values())


def test_seed_003_api_reference(tmp_path: Path) -> None:
    out = run_script(
        tmp_path,
        """
        import tally.trackio as trackio

        trackio.init(
            project="my-project",           # Required: groups runs together
            name="run-name",                # Optional: identifies this run
            config={"lr": 1e-4, "epochs": 5},  # Optional: hyperparameters
            space_id="username/trackio",    # Optional: sync to HF Space
            group="experiment-group",       # Optional: sidebar grouping
        )
        trackio.log({
            "train_loss": 0.45,
            "train_accuracy": 0.87,
            "val_loss": 0.39,
            "val_accuracy": 0.90,
            "epoch": 2,
        })
        trackio.finish()

        import tally.trackio as wandb

        wandb.init(project="my-project", config={"lr": 1e-4})
        wandb.log({"loss": 0.5})
        wandb.finish()

        trackio.init(project="sweep", name="lr-1e4", group="learning_rate")
        trackio.init(project="sweep", name="lr-1e3", group="learning_rate")
        trackio.init(project="sweep", name="bs-16", group="batch_size")
        trackio.finish()
        """,
    )
    del out
    project = cli(tmp_path, "runs", "my-project")
    named = [r for r in project if r["name"] == "run-name"][0]
    assert named["config"] == {"lr": 1e-4, "epochs": 5} and named["group"] == "experiment-group"
    assert cli(tmp_path, "series", named["id"], "val_accuracy")["values"] == [0.90]
    assert cli(tmp_path, "series", named["id"], "epoch")["values"] == [2]
    other = [r for r in project if r["name"] != "run-name"][0]
    assert other["config"] == {"lr": 1e-4} and cli(tmp_path, "series", other["id"], "loss")["values"] == [0.5]
    sweep = runs(tmp_path, "sweep")
    assert {n: r["group"] for n, r in sweep.items()} == {
        "lr-1e4": "learning_rate",
        "lr-1e3": "learning_rate",
        "bs-16": "batch_size",
    }


def test_log_before_init_and_init_without_project(tmp_path: Path) -> None:
    with pytest.raises(tally.TallyError) as e:
        trackio.log({"loss": 1})
    assert e.value.code == "no_active_run"
    with pytest.raises(tally.TallyError) as e:
        trackio.init()
    assert e.value.code == "invalid_argument"
    with pytest.raises(tally.TallyError) as e:
        trackio.init(project="a", project_name="b")
    assert e.value.code == "invalid_argument"


def test_resume_must_without_the_run_is_run_not_found(tmp_path: Path) -> None:
    with pytest.raises(tally.TallyError) as e:
        trackio.init(project="p", name="missing", resume="must", dir=str(tmp_path), capture=False, quiet=True)
    assert e.value.code == "run_not_found"


def test_table_from_columns_and_rows() -> None:
    table = trackio.Table(columns=["prompt", "reward"], data=[["Trackio", 0.123], ["Logging is", 0.456]])
    assert isinstance(table, tally.Table)
    assert trackio.Table(dataframe={"a": [1, 2], "b": ["x", "y"]}).payload() == table_json(["a", "b"], [[1, "x"], [2, "y"]])
    with pytest.raises(tally.TallyError):
        trackio.Table(dataframe={"a": [1, 2], "b": ["x"]})


def table_json(columns, rows):
    return tally.Table(columns=columns, rows=rows).payload()


def test_table_from_a_pandas_dataframe() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"prompt": ["Trackio", "Logging is"], "completion": ["is great!", "easy and fun!"], "reward": [0.123, 0.456]})
    assert trackio.Table(dataframe=df).payload() == table_json(
        ["prompt", "completion", "reward"], [["Trackio", "is great!", 0.123], ["Logging is", "easy and fun!", 0.456]]
    )


def test_histogram_refuses_both_sources() -> None:
    with pytest.raises(tally.TallyError):
        trackio.Histogram([1.0], np_histogram=([1], [0, 1]))


class _Array:
    """A small numpy-like array (shape, dtype, reshape, tolist): what Image reads of numpy."""

    def __init__(self, rows):
        self._rows = rows
        self.shape = (len(rows), len(rows[0]))
        self.dtype = "uint8"

    def reshape(self, *_):
        flat = [v for row in self._rows for v in row]
        return type("Flat", (), {"tolist": lambda self: flat})()

    def tolist(self):
        return self._rows


def test_show_starts_tally_ui_with_the_project_preselected(tmp_path: Path) -> None:
    import socket

    run = trackio.init(project="shown", dir=str(tmp_path), capture=False, quiet=True)
    trackio.log({"loss": 0.5})
    trackio.log(
        {
            "weights": trackio.Histogram([0.1, 0.2, 0.2, 0.9], num_bins=4),
            "grads": trackio.Histogram(np_histogram=([3, 1], [0.0, 0.5, 1.0])),
            "sample": trackio.Image(_Array([[0, 128], [255, 64]]), caption="2x2"),
            "notes": trackio.Markdown("## Notes"),
            "texts": trackio.Table(columns=["prompt", "reward"], data=[["Trackio", 0.123]]),
        }
    )
    trackio.finish()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dashboard = trackio.show(project="shown", port=port, dir=str(tmp_path), open_browser=False, block_thread=False)
    try:
        assert dashboard.url == f"http://127.0.0.1:{port}/?project=shown"
        with urllib.request.urlopen(dashboard.url, timeout=10) as page:
            assert page.status == 200 and b"<html" in page.read().lower()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/workspaces/default/projects", timeout=10) as api:
            assert "shown" in [p["name"] for p in json.loads(api.read())]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/runs/{run.id}/values", timeout=10) as api:
            values = {v["key"]: v for v in json.loads(api.read())["values"]}
        assert {k: (v["step"], v["kind"]) for k, v in values.items()} == {
            "grads": (1, "histogram"),
            "notes": (1, "markdown"),
            "sample": (1, "image"),
            "texts": (1, "table"),
            "weights": (1, "histogram"),
        }
        assert values["texts"]["value"] == {"columns": ["prompt", "reward"], "rows": [["Trackio", 0.123]]}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{values['sample']['url']}", timeout=10) as image:
            assert image.read().startswith(b"\x89PNG")
        # A second show finds the dashboard answering and starts nothing.
        again = trackio.show(project="shown", port=port, open_browser=False, block_thread=False)
        assert again.process is None and again.url == dashboard.url
    finally:
        dashboard.close()
    assert dashboard.process is not None and dashboard.process.poll() is not None


def test_show_without_the_cli_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no tally, no node
    monkeypatch.delenv("TALLY_CLI", raising=False)
    with pytest.raises(tally.TallyError) as e:
        trackio.show(port=1, open_browser=False, block_thread=False)
    assert e.value.code == "invalid_argument" and "npm install" in str(e.value)


def test_sync_needs_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TALLY_SERVER_URL", raising=False)
    with pytest.raises(tally.TallyError) as e:
        trackio.sync(project="my-project", space_id="username/my-experiments")
    assert e.value.code == "invalid_argument" and "Hugging Face Space" in str(e.value)


def test_sync_copies_one_local_project_to_a_real_server(tmp_path: Path) -> None:
    from remote_support import start_server

    server = start_server(str(tmp_path / "server"))
    key = server.key
    try:
        local = tmp_path / "local"
        kept = trackio.init(project="my-project", name="a", dir=str(local), capture=False, quiet=True)
        for loss in (0.5, 0.25):
            trackio.log({"loss": loss})
        trackio.finish()
        trackio.init(project="other", dir=str(local), capture=False, quiet=True)
        trackio.log({"loss": 9})
        trackio.finish()
        report = trackio.sync(project="my-project", server_url=server.url, api_key=key, dir=str(local))
        assert [(w["runId"], "error" in w) for w in report["writers"]] == [(kept.id, False)]
        assert server.series(key, kept.id, "loss")["values"] == [0.5, 0.25]
        # Again: nothing is stored twice.
        (again,) = trackio.sync(project="my-project", server_url=server.url, api_key=key, dir=str(local))["writers"]
        assert (again["records"], again["points"]) == (0, 0)
    finally:
        server.kill()

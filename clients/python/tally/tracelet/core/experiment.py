"""``from tracelet.core.experiment import Experiment``, as Tracelet's documentation writes it."""
from .._experiment import Experiment
from .._settings import ExperimentConfig

__all__ = ["Experiment", "ExperimentConfig"]

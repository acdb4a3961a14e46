"""nnfit: watch a small neural network learn to fit a curve, then fit your own curves well.

    import nnfit
    model = nnfit.train(seed=0)            # the tutorial's 1-5-1 network, recipe and data
    model.predict([0.0, 3.33])
    model.save("model.safetensors"); nnfit.load("model.safetensors")
"""
from .config import Config, ConfigError
from .data import DataError
from .model import Model, ModelFileError, Models, load
from .train import TrainingDiverged, train
from .fit import fit  # noqa: E402  (binds nnfit.fit to the function, not the subpackage nnfit/fit/)

__all__ = ["Config", "ConfigError", "DataError", "Model", "ModelFileError", "Models", "TrainingDiverged",
           "load", "train", "fit"]

"""nnfit: watch a small neural network learn to fit a curve, then fit your own curves well.

    import nnfit
    model = nnfit.train(seed=0)            # the tutorial's 1-5-1 network, recipe and data
    model.predict([0.0, 3.33])
    model.save("model.safetensors"); nnfit.load("model.safetensors")

The names below load on first use, so that `import nnfit` (and the `nnfit` command starting up)
costs nothing until something is asked for.
"""
import importlib
import os
import sys
import types

__version__ = "0.1.0"


def _source_date_epoch_tolerated():
    """NumPy's f2py, which SciPy imports whole, reads SOURCE_DATE_EPOCH at import as a whole number of seconds
    and fails on anything else ('' is common in build environments), so that no fit could run: where the
    variable is set and not such a number, f2py is imported once without it (it is used for nothing else here)."""
    import time
    value = os.environ.get("SOURCE_DATE_EPOCH")
    try:
        if value is None or time.gmtime(int(value)):
            return
    except (ValueError, OverflowError, OSError):
        pass
    del os.environ["SOURCE_DATE_EPOCH"]
    try:
        import numpy.f2py  # noqa: F401
    except Exception:  # (a NumPy without f2py: nothing to tolerate)
        pass
    finally:
        os.environ["SOURCE_DATE_EPOCH"] = value


_source_date_epoch_tolerated()

_WHERE = {  # name -> the module that defines it
    "Config": "config", "ConfigError": "config", "DataError": "data", "Model": "model",
    "ModelFileError": "model", "Models": "model", "load": "model", "TrainingDiverged": "train", "train": "train",
    "DataWarning": "data", "fit": "fit",
    "NNFitRegressor": "sklearn",  # needs scikit-learn, so not in __all__: `from nnfit import *` works without it
}

__all__ = ["Config", "ConfigError", "DataError", "DataWarning", "Model", "ModelFileError", "Models",
           "TrainingDiverged", "load", "train", "fit", "__version__"]


class _Package(types.ModuleType):
    """nnfit.train and nnfit.fit are the functions, also after their modules are first imported
    (the import system would otherwise bind the package attribute to the submodule)."""

    def __setattr__(self, name, value):
        if name in ("train", "fit") and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name):
    if name in _WHERE:
        module = importlib.import_module(f".{_WHERE[name]}", __name__)
        value = getattr(module, name)
        if name == "fit":  # (its submodules are its attributes too: nnfit.fit.driver)
            module.attach_submodules()
        globals()[name] = value
        return value
    if not name.startswith("__"):  # a submodule, e.g. nnfit.data, as when everything was imported at once
        try:
            return importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module 'nnfit' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | set(_WHERE))


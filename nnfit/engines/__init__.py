"""The engines: three ways to compute the same training, picked by name.

    scalar  the tutorial's chapter: one scalar tensor per parameter, autograd   (scalar.py)
    manual  the chapter before: gradients by the chain rule, no autograd;
            compiled loops, the fastest                                         (manual.py)
    matrix  the chapter after: a mini-batch of every model in one tensor,
            autograd, CPU or GPU                                                (matrix.py)

The contract, the same for each: `Engine(params, cfg)` takes the starting Params of (M, H) arrays and
the Config; `engine.epoch(x, y, order, batch_size)` runs the SGD steps of one epoch over x[order]
(order is (1, N) for all models or (M, N) per model) and returns each model's summed loss, (M,);
`engine.params()` returns the current Params; `engine.gradients(x, y)` returns the mean loss over
those samples and its gradients (float64 Params), without a step, for the tests and `nnfit explain`.
`MANY_MODELS` says whether the engine trains M > 1 models at once.
"""
import importlib

ENGINES = {
    "scalar": "nnfit.engines.scalar",
    "manual": "nnfit.engines.manual",
    "matrix": "nnfit.engines.matrix",
}


def get(name):
    return importlib.import_module(ENGINES[name])

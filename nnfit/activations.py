"""The hidden neurons' activations: one registry that every engine, the fit mode, prediction and
`explain` read. A new activation is one entry in each dict below (and one branch in manual.py's
compiled `act`/`chain`, which Numba cannot look up in a dict).

    ACTIVATIONS[name](z, out=None)       h = act(z), NumPy, no overflow warnings; into `out` if given
    DERIVATIVES[name](z, h, out=None)    act'(z), written through h where the chapter does
    SECOND[name](z, h, out=None)         act''(z), for fit mode's geodesic acceleration
    TORCH[name]                the torch function's name: getattr(torch, TORCH[name])
    CODES[name]                the integer the compiled manual engine switches on
    PRIME_TEXT[name]           act'(z_i) as `explain` prints it
"""
import numpy as np


def sigmoid(z, out=None):
    h = np.multiply(z, 0.5, out=out)  # 1 / (1 + e^-z) = (1 + tanh(z / 2)) / 2, with no overflow for large -z
    np.tanh(h, out=h)
    h += 1.0
    h *= 0.5
    return h


def tanh(z, out=None):
    return np.tanh(z, out=out)


def relu(z, out=None):
    return np.maximum(z, 0.0, out=out)


def sigmoid_prime(z, h, out=None):
    d = np.subtract(1.0, h, out=out)  # σ' = σ (1 - σ)
    d *= h
    return d


def tanh_prime(z, h, out=None):
    d = np.multiply(h, h, out=out)  # tanh' = 1 - tanh²
    np.subtract(1.0, d, out=d)
    return d


def relu_prime(z, h, out=None):
    out = np.empty_like(z) if out is None else out
    np.greater(z, 0.0, out=out)  # 1 where z > 0, else 0
    return out


def sigmoid_second(z, h, out=None):
    d = np.multiply(h, 2.0, out=out)  # σ'' = σ' (1 - 2σ) = σ (1 - 3σ + 2σ²), in place
    d -= 3.0
    d *= h
    d += 1.0
    d *= h
    return d


def tanh_second(z, h, out=None):
    d = np.multiply(h, h, out=out)  # tanh'' = -2 tanh (1 - tanh²) = 2 tanh (tanh² - 1)
    d -= 1.0
    d *= h
    d *= 2.0
    return d


def relu_second(z, h, out=None):
    out = np.empty_like(z) if out is None else out
    out.fill(0.0)  # 0 away from the kink
    return out


ACTIVATIONS = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu}
DERIVATIVES = {"sigmoid": sigmoid_prime, "tanh": tanh_prime, "relu": relu_prime}
SECOND = {"sigmoid": sigmoid_second, "tanh": tanh_second, "relu": relu_second}

TORCH = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu"}
CODES = {"sigmoid": 0, "tanh": 1, "relu": 2}
PRIME_TEXT = {"sigmoid": "h{i}(1-h{i})", "tanh": "(1-h{i}²)", "relu": "[z{i}>0]"}

NAMES = tuple(ACTIVATIONS)

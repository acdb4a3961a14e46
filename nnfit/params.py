"""The network's parameters and where they start.

Parameters are plain named arrays: w (input weights), b (biases), a (output weights), each of shape
(H,) for one model or (M, H) for M models. They start from N(0, 1), drawn by torch's CPU generator in
the tutorial's order: w_1..w_H, then b_1..b_H, then a_1..a_H, each as its own `torch.randn(1)`, so
that seed S gives the start of the tutorial program run under `torch.manual_seed(S)`.
"""
from typing import NamedTuple

import numpy as np

NAMES = ("w", "b", "a")


class Params(NamedTuple):
    w: np.ndarray  # (H,) or (M, H): input weights w_i
    b: np.ndarray  # (H,) or (M, H): biases b_i
    a: np.ndarray  # (H,) or (M, H): output weights a_i

    def flat(self):
        """All 3H values in the tutorial's order, per model: (3H,) or (M, 3H)."""
        return np.concatenate([self.w, self.b, self.a], axis=-1)

    @classmethod
    def from_flat(cls, v):
        h = v.shape[-1] // 3
        return cls(v[..., :h], v[..., h:2 * h], v[..., 2 * h:])


def init_params(seed, hidden, dtype="float32"):
    """The start of one model, as the tutorial draws it: torch.manual_seed(seed), then 3H times
    torch.randn(1). Computed without torch by init_many (tests/test_params.py checks it against torch)."""
    return Params(*(p[0] for p in init_many(seed, 1, hidden, dtype)))


def init_many(seed, models, hidden, dtype="float32"):
    """The starts of M models, model k drawn from seed + k: (M, H) each.

    Same numbers as torch.manual_seed(seed + k) and 3H torch.randn(1) draws, computed by a compiled
    copy of torch's CPU generator (MT19937 and its Box-Muller normals): no torch import, and 10^5
    starts take milliseconds instead of seconds. tests/test_params.py checks it against torch.
    """
    from . import mt19937
    v = mt19937.torch_normals(np.arange(seed, seed + models, dtype=np.uint64), 3 * hidden)  # (M, 3H) float64
    return Params.from_flat(v.astype(dtype))

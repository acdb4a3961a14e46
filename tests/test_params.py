"""Starting parameters: drawn in the tutorial's order by torch's generator, and its compiled copy."""
import numpy as np
import pytest
import torch

from nnfit.params import init_many, init_params


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**32 + 5])
def test_init_matches_tutorial_draw_order(seed):
    torch.manual_seed(seed)
    w = [torch.randn(1) for _ in range(5)]  # the tutorial: w1..w5, then b1..b5, then a1..a5
    b = [torch.randn(1) for _ in range(5)]
    a = [torch.randn(1) for _ in range(5)]
    p = init_params(seed, 5)
    for got, want in zip(p, (w, b, a)):
        assert np.array_equal(got, torch.cat(want).numpy())


@pytest.mark.parametrize("hidden", [1, 5, 8, 37, 40, 110, 250])  # 250: past the second twist
def test_init_many_equals_torch_for_each_seed(hidden):
    many = init_many(100, 50, hidden, "float64")
    for k in range(0, 50, 7):
        g = torch.Generator().manual_seed(100 + k)
        want = torch.cat([torch.randn(1, generator=g, dtype=torch.float64) for _ in range(3 * hidden)]).numpy()
        assert np.array_equal(many.flat()[k], want), f"model {k}, hidden {hidden}"
        assert np.array_equal(init_params(100 + k, hidden, "float64").flat(), want)


def test_init_many_float32_is_torch_float32():
    many = init_many(7, 3, 5, "float32")
    torch.manual_seed(9)
    assert np.array_equal(many.flat()[2], torch.randn(15).numpy())

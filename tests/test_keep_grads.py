"""`--keep-grads`: the chapter's section-4 loop as printed, which never zeroes the gradients."""
import nnfit
from test_explain import chapter_loop  # tests/ is on sys.path (rootdir conftest)


def test_keep_grads_is_the_loop_as_printed():
    averages, _ = chapter_loop(0, 30, zero_grads=False)
    assert nnfit.train(seed=0, epochs=3, keep_grads=True).history == averages
    zeroed, _ = chapter_loop(0, 30)
    assert nnfit.train(seed=0, epochs=3).history != averages and nnfit.train(seed=0, epochs=3, engine="scalar").history == zeroed


def test_keep_grads_needs_the_scalar_engine(cli):
    status, out, err = cli("train", "--seed", "0", "--keep-grads", "--engine", "manual", "--no-plot")
    assert status == 2 and err.startswith("nnfit: error: --keep-grads") and "scalar" in err
    status, out, err = cli("train", "--seed", "0", "--keep-grads", "--models", "3", "--no-plot")
    assert status == 2 and "--keep-grads" in err

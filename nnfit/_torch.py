"""PyTorch is optional (`pip install 'nnfit[torch]'`): training with the manual engine, predict and
fit mode run without it. What needs it (the scalar and matrix engines, explain's autograd column,
compare) asks for it here, so that a missing torch is one line naming what to install."""
from .config import ConfigError
from .i18n import _


def require_torch(what, option="engine"):
    """The torch module, or ConfigError(option) saying that `what` needs it and how to install it."""
    try:
        import torch
    except ImportError:
        raise ConfigError(option, _("{what} needs PyTorch, which is not installed: pip install 'nnfit[torch]'").format(what=what)) from None
    return torch

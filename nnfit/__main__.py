"""`python -m nnfit` and the `nnfit` command (pyproject.toml's [project.scripts] points here).

Only `sys` is imported before the CLI, inside a handler for Ctrl-C: an interrupt while the rest
loads ends the command quietly, with status 130, instead of printing a traceback.
"""
import sys


def run():
    try:
        from .cli import main
    except KeyboardInterrupt:
        print("nnfit: error: interrupted", file=sys.stderr)
        return 130
    return main()


if __name__ == "__main__":
    sys.exit(run())

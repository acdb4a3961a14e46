"""`python -m nnfit` and the `nnfit` command (pyproject.toml's [project.scripts] points here).

Only `sys` is imported before the CLI, inside a handler for Ctrl-C: an interrupt while the rest
loads ends the command quietly, with status 130, instead of printing a traceback.
"""
import sys


def run():
    # Ctrl-C that lands inside one of the import system's callbacks cannot stop anything: Python
    # reports it as "Exception ignored" with a traceback and goes on. Say nothing instead (the command
    # goes on as Python does; a second Ctrl-C stops it). Everything else goes to Python's own hook.
    python_hook = sys.unraisablehook

    def quiet_interrupts(unraisable):
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            python_hook(unraisable)

    sys.unraisablehook = quiet_interrupts
    try:
        try:
            from .cli import main
        except KeyboardInterrupt:
            print("nnfit: error: interrupted", file=sys.stderr)
            return 130
        return main()
    finally:
        sys.unraisablehook = python_hook


if __name__ == "__main__":
    sys.exit(run())

"""`python -m generator`: Ctrl-C at any moment from here on prints one line and exits 130."""

import signal
import sys


def _entry() -> int:
    try:
        from generator import phases
        from generator.errors import INTERRUPTED

        phases.reached("importing")
        from generator.cli import main  # torch, sympy, jinja: the heavy imports

        return main()
    except KeyboardInterrupt:  # before main() could handle it, or while it reported something else
        print(INTERRUPTED, file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # shutting down (threads joined, files closed): no traceback


if __name__ == "__main__":  # not when multiprocessing's forkserver imports this module as __mp_main__
    sys.exit(_entry())

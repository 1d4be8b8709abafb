"""`python -m generator`: Ctrl-C at any moment from here on prints one line and exits 130."""

import os
import signal
import sys


def _entry() -> int:
    try:
        # generator.site starts this with SIGINT blocked, so that a Ctrl-C passed on while Python was
        # starting is raised here, where it is one line, not a start-up traceback
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        from generator import phases

        phases.reached("importing")
        from generator import torch_process
        from generator.cli import main  # torch, sympy, jinja: the heavy imports

        torch_process.enable()  # torch runs in the program server's workers, never in this process

        code = main(render_aside=True)  # pages render in a second process while scenarios run (aside.py)
    except KeyboardInterrupt:  # before main() could handle it, or while it reported something else
        from generator.errors import INTERRUPTED  # here: a Ctrl-C may come before any other import is done

        print(INTERRUPTED, file=sys.stderr)
        code = 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # shutting down (threads joined, files closed): no traceback
    if code == 130:
        # Interrupted, and said so: end now, without waiting for the scenarios still running in worker
        # threads. Nothing of theirs is written: only this thread writes the output folder, and a
        # cache entry cut short fails its digest and is run again.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    return code


if __name__ == "__main__":  # python -m generator
    sys.exit(_entry())

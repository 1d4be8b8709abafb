"""One edition's site build, made ready while the pages are still being generated (generator/site.py
starts one per edition).

`python -m generator.site_edition BUILDER ARG...`, BUILDER mkdocs or properdocs. First it gets
ready: it imports the builder, loads the config named by `-f` (which imports its theme, plugins,
Markdown extensions and hooks) and, for a Chinese edition, jieba's dictionary, the search plugin's
word segmenter (about 0.4 s). What it loaded is then thrown away but for the imports; nothing is
read from docs/ and nothing is written. Then it waits for one line on standard input:
- `build`: runs `BUILDER ARG...` in this process, as `python -m BUILDER ARG...` would, and exits
  with its code;
- the end of the input: exit 0, nothing built.
Until then, SIGTERM (how generator/site.py stops it: the generator failed, or the command was
interrupted) and SIGINT (sent to it directly: it runs in a process group of its own) end it without
a traceback, `finally` blocks run: exit 0 and 130; once it is ending, a SIGTERM is ignored. Once it
builds, both are the builder's to handle.
"""

from __future__ import annotations

import importlib
import logging
import signal
import sys
import warnings
from typing import Any

from generator import phases

GO = "build"


def config_file(arguments: list[str]) -> str | None:
    """The config the builder's arguments name (`-f F`, `--config-file F` or `--config-file=F`)."""
    for index, argument in enumerate(arguments):
        if argument in ("-f", "--config-file") and index + 1 < len(arguments):
            return arguments[index + 1]
        if argument.startswith("--config-file="):
            return argument.split("=", 1)[1]
    return None


def get_ready(builder: str, arguments: list[str]) -> Any:
    """The builder's command line, with what its build of `arguments`' config imports already imported.
    A config that does not load is left for the build to report: getting ready says nothing."""
    command = importlib.import_module(f"{builder}.__main__").cli  # a click command
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            config = importlib.import_module(f"{builder}.config").load_config(config_file=config_file(arguments))
            if str(config["theme"]["language"]).startswith("zh") and "jieba" in sys.modules:  # imported by the search plugin
                sys.modules["jieba"].initialize()
    except Exception:  # the build itself reports what is wrong, once
        pass
    finally:
        logging.disable(logging.NOTSET)
    return command


def _stop(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: a second one would land in the shutdown
    raise SystemExit(0)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m generator.site_edition BUILDER ARG...", file=sys.stderr)
        return 2
    builder, arguments = argv[0], argv[1:]
    signal.signal(signal.SIGTERM, _stop)
    told = False
    try:
        command = get_ready(builder, arguments)
        phases.reached("ready")
        told = sys.stdin.readline().strip() == GO
    except KeyboardInterrupt:
        return 130
    finally:  # not told: it is ending, and a SIGTERM sent as its input was closed may land in its shutdown
        signal.signal(signal.SIGTERM, signal.SIG_DFL if told else signal.SIG_IGN)
    if not told:
        return 0
    phases.reached("building")
    command.main(args=arguments, prog_name=builder)  # click: exits with the build's code (SystemExit)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The `rehab` command (`rehab ...`, `python -m generator ...`): generator/cli.py reads it.

Two things happen here, outside the command line's own code, for `rehab build` after an
edit (about a second, most of it WeasyPrint's import and one handout; bench/speed.py):
- the PDF helper (pdf_helper.py) is forked first, before click and the settings load, so
  WeasyPrint's import starts 0.035 s into the process (0.2 s when `build` forked it);
- the process ends without the interpreter's tear-down, which frees every object of the
  build one by one (some 40 ms): every file is written, synced and closed by then, and the
  output is flushed here.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    from generator import pdf_helper

    if _builds_pdfs(sys.argv[1:]):
        pdf_helper.start_early()
    from generator.cli import main as rehab

    try:
        rehab()
        code = 0
    except SystemExit as done:
        code = done.code
    finally:
        pdf_helper.stop_early()  # forked and not taken: a usage error, a config without PDFs
    _leave(code)


def _builds_pdfs(args: list[str]) -> bool:
    """`rehab build` without --no-pdf or --help, guessed from the words before click reads
    them: a wrong guess costs only a helper stopped unused, or one forked a little later."""
    command = next((arg for arg in args if not arg.startswith("-")), None)
    return command == "build" and not {"--no-pdf", "--help", "-h"} & set(args)


def _leave(code) -> None:
    """Exit with `code` now. Where the output cannot be flushed (a closed pipe) or the code
    is a message, Python's own exit says so, as it always did."""
    if code is None:
        code = 0
    if isinstance(code, int):
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        else:
            os._exit(code)
    raise SystemExit(code)


if __name__ == "__main__":
    main()

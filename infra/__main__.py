"""Entry point of both ``pulumi up`` (``main: infra/``) and ``python -m infra <command>``.

The Pulumi language host runs this file with ``runpy.run_path("infra/")``,
which puts only ``infra/`` on ``sys.path``; the project root goes first so that
``components`` and ``infra`` import as packages in every mode.
"""

import sys
from pathlib import Path

_PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)
if _PROJECT_ROOT not in sys.path:
    sys.path.insert(0, _PROJECT_ROOT)

if __spec__ is not None and __spec__.name == "infra.__main__":
    from infra.cli import main as cli_main

    sys.exit(cli_main())
else:
    from infra.program import main as program_main

    program_main()

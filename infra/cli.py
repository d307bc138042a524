"""``python -m infra``: the offline plan and the config schema.

Exit codes: 0 plan made (warnings allowed), 1 configuration errors, 2 usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_CONFIG, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on usage errors: keep that, with our wording
        self.print_usage(sys.stderr)
        print(f"usage error: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date: use YYYY-MM-DD") from None


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m infra", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    plan = sub.add_parser("plan", help="run the program under mocks with a stack's config and print the plan")
    plan.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    plan.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    plan.add_argument("--config-file", type=Path, help="read this file instead of Pulumi.<stack>.yaml")
    plan.add_argument("--date", type=_date, help="plan as of this date (YYYY-MM-DD), for retirement checks")
    schema = sub.add_parser("schema", help="print the JSON Schema of Pulumi.<stack>.yaml, for editor validation")
    schema.add_argument("--team-file", action="store_true", help="the schema of a team file instead")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "schema":
        from infra.config import stack_file_schema, team_file_schema

        print(json.dumps(team_file_schema() if args.team_file else stack_file_schema(), indent=2))
        return EXIT_OK
    return _plan(args)


def _plan(args: argparse.Namespace) -> int:
    from infra import render
    from infra.plan import UsageError, make_plan, to_json

    try:
        plan = make_plan(args.stack, args.date, args.config_file)
    except UsageError as exc:
        print(f"usage error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.format == "json":
        print(to_json(plan))
    elif args.format == "markdown":
        print(render.markdown(plan))
    else:
        print(render.text(plan), end="")
    if not plan.ok and args.format != "text":
        # Machine formats keep stdout parseable; humans still need the reason on stderr.
        print(render.text(plan), end="", file=sys.stderr)
    return EXIT_OK if plan.ok else EXIT_CONFIG

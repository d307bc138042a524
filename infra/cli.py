"""``python -m infra``: the offline plan, the config schema and the list of checks.

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
    from infra.diagnostics import excerpt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{excerpt(value)} is not a date: use YYYY-MM-DD") from None


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m infra", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    plan = sub.add_parser("plan", help="run the program under mocks with a stack's config and print the plan")
    plan.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    plan.add_argument(
        "--format",
        choices=("text", "json", "markdown", "comment"),
        default="text",
        help="comment: the pull-request comment (with --diff-against), within --max-chars; markdown: the whole plan",
    )
    plan.add_argument("--config-file", type=Path, help="read this file instead of Pulumi.<stack>.yaml")
    plan.add_argument("--date", type=_date, help="plan as of this date (YYYY-MM-DD), for retirement checks")
    plan.add_argument("--diff-against", type=Path, help="a plan JSON of the base branch: show what this change does")
    plan.add_argument(
        "--first-preview",
        action="store_true",
        help="as a first pulumi preview shows it: computed outputs (IDs, endpoints, principal IDs) unknown",
    )
    plan.add_argument("--full-plan-url", help="comment: where the whole plan is (job summary or artifact)")
    plan.add_argument("--max-chars", type=int, default=None, help="comment: its size budget (default 60,000)")
    diagram = sub.add_parser("diagram", help="print a Mermaid diagram of the stack's topology")
    diagram.add_argument("--stack", required=True)
    diagram.add_argument("--date", type=_date)
    diagram.add_argument("--config-file", type=Path, help="read this file instead of Pulumi.<stack>.yaml")
    models = sub.add_parser("models", help="model lifecycle: every deployment and when its version retires")
    models.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    models.add_argument("--config-file", type=Path, help="read this file instead of Pulumi.<stack>.yaml")
    models.add_argument("--date", type=_date, help="as of this date (YYYY-MM-DD)")
    models.add_argument("--format", choices=("text", "json"), default="text")
    urns = sub.add_parser("urns", help="print the URNs of the stack's stateful resources (the golden list)")
    urns.add_argument("--stack", required=True)
    urns.add_argument("--date", type=_date, help="as of this date (YYYY-MM-DD)")
    urns.add_argument("--config-file", type=Path, help="read this file instead of Pulumi.<stack>.yaml")
    place = sub.add_parser("place", help="record which shared account each team is on in placement/<stack>.yaml")
    place.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    place.add_argument("--config-file", type=Path, help="read this file instead of Pulumi.<stack>.yaml")
    place.add_argument("--move", action="append", default=[], metavar="TEAM", help="place this team anew (repeatable)")
    place.add_argument("--date", type=_date, help="as of this date (YYYY-MM-DD), for retirement checks")
    schema = sub.add_parser("schema", help="print the JSON Schema of Pulumi.<stack>.yaml, for editor validation")
    schema.add_argument("--team-file", action="store_true", help="the schema of a team file instead")
    sub.add_parser("checks", help="print docs/checks.md: every rule the plan checks, with its ID and source")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "schema":
        from infra.config import stack_file_schema, team_file_schema

        print(json.dumps(team_file_schema() if args.team_file else stack_file_schema(), indent=2))
        return EXIT_OK
    if args.command == "checks":
        from infra.checks_doc import markdown

        print(markdown())
        return EXIT_OK
    from infra.plan import UsageError

    command = {"models": _models, "urns": _urns, "diagram": _diagram, "plan": _plan, "place": _place}[args.command]
    try:
        return command(args)
    except UsageError as exc:  # a stack that does not exist, a bad --diff-against file
        print(f"usage error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _models(args: argparse.Namespace) -> int:
    """Exit 1 when any deployment's version is retired; versions retiring within 90 days are warnings."""
    from infra import placement
    from infra.catalog import RETIRED, RETIREMENT_WARNING_DAYS
    from infra.catalog import load as load_catalog
    from infra.diagnostics import errors_in, format_diagnostics
    from infra.operations import lifecycle
    from infra.plan import load_stack
    from infra.topology import build, check, promotion_gate

    today = args.date or dt.date.today()
    catalog = load_catalog()
    cfg, diags = load_stack(args.stack, args.config_file)
    # The same verdict as ``plan`` on the config, but retired versions: they are this report's to list.
    allowed = frozenset({RETIRED.id})
    lz, problems = check(cfg.landing_zone, today, catalog, allowed=allowed) if cfg else (None, [])
    lock, found = placement.read(args.stack)
    topology = build(lz, catalog, today, cfg.subscription_id, lock) if lz is not None else None
    gate = promotion_gate(topology, args.stack) if topology else []
    problems = [*diags, *found, *problems, *(topology.diagnostics if topology else ()), *gate]
    others = [d for d in errors_in(problems) if d.rule not in allowed]
    if topology is None or others:
        print(format_diagnostics(problems), file=sys.stderr)
        return EXIT_CONFIG
    rows = lifecycle(list(topology.accounts), catalog, today)
    if args.format == "json":
        print(
            json.dumps(
                [
                    {**r.__dict__, "retirement": r.retirement and r.retirement.isoformat(), "status": r.status}
                    for r in rows
                ],
                indent=2,
            )
        )
    else:
        print(f"Model lifecycle for {args.stack} as of {today.isoformat()} (catalog {catalog.snapshot_date}):")
        header = ("account", "deployment", "model", "version", "upgrade", "lifecycle", "retires", "days", "status")
        table = [header] + [
            (
                r.account,
                r.deployment,
                r.model,
                r.version,
                r.upgrade,
                r.lifecycle,
                r.retirement.isoformat() if r.retirement else "-",
                "-" if r.days_left is None else str(r.days_left),
                r.status,
            )
            for r in rows
        ]
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        for row in table:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    retired = [r for r in rows if r.status == "retired"]
    for r in rows:
        if r.status == "retiring":
            print(
                f"warning: {r.account}/{r.deployment}: {r.model} {r.version} retires in {r.days_left} days"
                f" (within {RETIREMENT_WARNING_DAYS})",
                file=sys.stderr,
            )
    for r in retired:
        print(f"error: {r.account}/{r.deployment}: {r.model} {r.version} retired on {r.retirement}", file=sys.stderr)
    return EXIT_CONFIG if retired else EXIT_OK


def _urns(args: argparse.Namespace) -> int:
    from infra.plan import make_plan
    from infra.stateful import stateful_urns

    plan = make_plan(args.stack, args.date, args.config_file)
    if not plan.ok:
        from infra.render import text

        print(text(plan), end="", file=sys.stderr)
        return EXIT_CONFIG
    print("\n".join(stateful_urns(plan.resources)))
    return EXIT_OK


def _diagram(args: argparse.Namespace) -> int:
    from infra.diagnostics import errors_in
    from infra.diagram import mermaid
    from infra.plan import load_stack
    from infra.topology import decide

    cfg, diags = load_stack(args.stack, args.config_file)
    topology, found = (
        decide(
            cfg.landing_zone,
            args.date or dt.date.today(),
            subscription_id=cfg.subscription_id,
            stack=args.stack,
        )
        if cfg
        else (None, [])
    )
    diags = [*diags, *found]
    if topology is None or errors_in(diags):
        from infra.diagnostics import format_diagnostics

        print(format_diagnostics(diags), file=sys.stderr)
        return EXIT_CONFIG
    print(mermaid(topology), end="")
    return EXIT_OK


def _plan(args: argparse.Namespace) -> int:
    from infra import diff, render
    from infra.plan import UsageError, make_plan, to_json

    plan = make_plan(args.stack, args.date, args.config_file, first_preview=args.first_preview)
    base = None
    if args.diff_against is not None:
        try:
            base = json.loads(args.diff_against.read_text())
            base["resources"]  # noqa: B018  (the contract's shape)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"--diff-against {args.diff_against}: not a plan JSON ({exc})") from None
    doc = json.loads(to_json(plan)) if args.format in ("json", "comment") or base is not None else None
    if args.format == "comment":
        from infra import review

        budget = args.max_chars or review.BUDGET
        print(review.comment(plan, doc, base, args.full_plan_url, budget), end="")
        return EXIT_OK if plan.ok else EXIT_CONFIG
    changes = diff.diff(base, doc) if base is not None and plan.ok else None
    if args.format == "json":
        if changes is not None:
            doc["changes"] = [c.as_dict() for c in changes]
        print(json.dumps(doc, indent=2, sort_keys=True))
    elif args.format == "markdown":
        if changes is not None:
            print(diff.markdown(changes, base, doc) + "\n")
        print(render.markdown(plan))
    else:
        if changes is not None:
            print(diff.text(changes) + "\n")
        print(render.text(plan), end="")
    if not plan.ok and args.format != "text":
        # Machine formats keep stdout parseable; humans still need the reason on stderr.
        print(render.text(plan), end="", file=sys.stderr)
    return EXIT_OK if plan.ok else EXIT_CONFIG


def _place(args: argparse.Namespace) -> int:
    """Write ``placement/<stack>.yaml``: placed teams stay, new ones are placed, --move places a team anew (on
    another shard; with ``placement.subscriptions``, a team's own accounts in another subscription)."""
    from infra import placement, subscriptions, tenancy
    from infra.catalog import load as load_catalog
    from infra.diagnostics import errors_in, format_diagnostics
    from infra.plan import UsageError, load_stack
    from infra.topology import check

    cfg, diags = load_stack(args.stack, args.config_file)
    lz, problems = check(cfg.landing_zone, args.date or dt.date.today(), load_catalog()) if cfg else (None, [])
    lock, found = placement.read(args.stack)
    problems = [*diags, *problems, *found]
    if lz is None or errors_in(problems):
        print(format_diagnostics(problems), file=sys.stderr)
        return EXIT_CONFIG
    profiles, groups = placement.profiles(lz), tenancy.account_groups(lz)
    shared = {t for p in profiles.values() for t in p}
    # A team with accounts of its own moves only between subscriptions: it has no shard.
    own = {lz.teams[g.members[0]].name for g in groups if g.tenancy == "dedicated" and lz.placement.subscriptions}
    for name in args.move:
        if name not in shared | own:
            kinds = "of shared tenancy" + (" or with accounts of its own" if lz.placement.subscriptions else "")
            teams = ", ".join(sorted(shared | own))
            raise UsageError(f"--move {name}: not a team {kinds} in this stack (teams: {teams})")
    limit = lz.placement.max_deployments_per_account
    placed = placement.assign(profiles, lock.entries, limit, frozenset(args.move) & shared)
    refused = [
        f"error: {placement.lock_label(args.stack)}: profiles.{key}: shard {s} holds {n} deployments per region;"
        f" landingZone.placement.maxDeploymentsPerAccount is {limit}: add --move TEAM for a team on it"
        for key, s, n in placed.overfull
    ]
    too_big = [d for d in placement.decide(lz, placement.NO_LOCK)[1] if d.rule == placement.TEAM_FITS.id]
    recorded: dict[str, str] = {}
    sub_changes: tuple[str, ...] = ()
    if lz.placement.subscriptions:
        keys = [g.key for g in placement.shard_groups(lz, groups, placed.lock)]
        moved = frozenset(f"team-{t}" for t in args.move if t in own)
        recorded, sub_changes, refusal = subscriptions.place(lz, keys, lock, cfg.subscription_id, moved)
        refused += refusal
    if refused or too_big:
        print("\n".join([*refused, *([format_diagnostics(too_big)] if too_big else [])]), file=sys.stderr)
        return EXIT_CONFIG
    path = placement.lock_label(args.stack)
    if lock.found and placed.lock == lock.entries and recorded == lock.accounts:
        print(f"{path}: no change")
        return EXIT_OK
    placement.write(args.stack, placed.lock, recorded)
    print("\n".join([f"{path}: written", *(f"  {c}" for c in (*placed.changes, *sub_changes))]))
    return EXIT_OK

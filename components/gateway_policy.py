"""Policy documents of the AI gateway, rendered from templates with real values.

The structure lives in ``components/policies/*.xml``; their ``${name}``
placeholders get XML-escaped values here, and nothing else is concatenated.
"""

from pathlib import Path
from string import Template
from typing import NotRequired, TypedDict
from xml.sax.saxutils import escape, quoteattr

TEMPLATES = Path(__file__).parent / "policies"


class TeamLimitArgs(TypedDict):
    team: str
    caller_app_ids: NotRequired[list[str]]
    """Entra application IDs that identify the team's keyless callers."""
    tokens_per_minute: NotRequired[int]
    monthly_tokens: NotRequired[int]


def _limit(team: TeamLimitArgs, counter_key: str) -> str:
    attrs = {"counter-key": counter_key, "estimate-prompt-tokens": "false"}
    if team.get("tokens_per_minute"):
        attrs["tokens-per-minute"] = str(team["tokens_per_minute"])
    if team.get("monthly_tokens"):
        attrs["token-quota"] = str(team["monthly_tokens"])
        attrs["token-quota-period"] = "Monthly"
    if len(attrs) == 2:  # nothing to limit
        return ""
    rendered = " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items())
    return f"<llm-token-limit {rendered} />"


def render_api_policy(
    tenant_id: str, audiences: list[str], pool: str, pool_size: int, teams: list[TeamLimitArgs]
) -> str:
    """The OpenAI API's policy: Entra validation, team limits, token metrics, keyless backend auth, pool, retry."""
    when = []
    for t in teams:
        condition = f'@(context.Variables.GetValueOrDefault<string>("team", "") == "{t["team"]}")'
        body = _limit(t, t["team"]) or "<!-- no limit -->"
        when.append(f"      <when condition={quoteattr(condition)}>\n        {body}\n      </when>")
    cases = [
        f"        case {quoteattr_value(app)}: return {quoteattr_value(t['team'])};"
        for t in teams
        for app in t.get("caller_app_ids", [])
    ]
    return Template((TEMPLATES / "openai-api.xml").read_text()).substitute(
        tenant_id=escape(tenant_id, {'"': "&quot;"}),
        audiences="\n".join(f"        <audience>{escape(a)}</audience>" for a in audiences),
        app_cases="\n".join(cases),
        team_limits="\n".join(when),
        pool=escape(pool, {'"': "&quot;"}),
        backend=_backend(pool_size),
    )


def _backend(pool_size: int) -> str:
    if pool_size < 2:  # one member: nowhere else to go
        return '    <forward-request buffer-request-body="true" />'
    # Every other member gets one try; a 503 means the whole pool is tripped.
    return Template((TEMPLATES / "retry.xml").read_text()).substitute(retry_count=str(pool_size - 1))


def quoteattr_value(value: str) -> str:
    """A C# string literal inside an XML attribute."""
    return escape(f'"{value}"', {'"': "&quot;"})


def render_product_policy(team: TeamLimitArgs) -> str:
    """A team's product: its limits, counted per subscription (key callers)."""
    limit = _limit(team, "@(context.Subscription.Id)") or "<!-- no limit -->"
    return Template((TEMPLATES / "team-product.xml").read_text()).substitute(limit=limit)

"""Policy documents of the AI gateway, rendered from templates with real values.

The structure lives in ``components/policies/*.xml``; their ``${name}``
placeholders get XML-escaped values here, and nothing else is concatenated.
"""

from functools import cache
from pathlib import Path
from string import Template
from typing import NotRequired, TypedDict
from xml.sax.saxutils import escape, quoteattr

import pulumi

from components._inputs import plain, whole

TEMPLATES = Path(__file__).parent / "policies"

# llm-token-limit's attribute types in the API Management policy toolkit (TokenLimitConfig):
# tokens-per-minute is an int, token-quota a long. Larger values fail the policy PUT.
MAX_TOKENS_PER_MINUTE = 2**31 - 1
MAX_TOKEN_QUOTA = 2**63 - 1

RESPONSES_CREATE_OPERATION = "v1-responses-create"
# The inference operations: (id, display name, method, URL template under the API path).
# The deployment-id routes carry the deployment in the path; the v1 API (no api-version) carries it in the
# body's ``model``. Either way failover keeps it, which is why every pool member holds the same names.
OPERATIONS = (
    ("chat-completions", "Chat completions", "POST", "/deployments/{deployment-id}/chat/completions"),
    ("completions", "Completions", "POST", "/deployments/{deployment-id}/completions"),
    ("embeddings", "Embeddings", "POST", "/deployments/{deployment-id}/embeddings"),
    ("v1-chat-completions", "Chat completions (v1)", "POST", "/v1/chat/completions"),
    ("v1-embeddings", "Embeddings (v1)", "POST", "/v1/embeddings"),
    (RESPONSES_CREATE_OPERATION, "Create a response (v1)", "POST", "/v1/responses"),
    ("v1-responses-get", "Get a response (v1)", "GET", "/v1/responses/{response-id}"),
    ("v1-responses-delete", "Delete a response (v1)", "DELETE", "/v1/responses/{response-id}"),
    (
        "v1-responses-input-items",
        "List a response's input items (v1)",
        "GET",
        "/v1/responses/{response-id}/input_items",
    ),
    ("v1-responses-cancel", "Cancel a background response (v1)", "POST", "/v1/responses/{response-id}/cancel"),
)

# Operations whose request reads or continues a stored response; the create operation is one too unless
# its body says ``store: false`` without a ``previous_response_id``.
STORED_RESPONSE_OPERATIONS = tuple(op for op, _, _, url in OPERATIONS if "{response-id}" in url)
# v1 operations that name the deployment in the body's ``model``.
BODY_MODEL_OPERATIONS = tuple(op for op, _, _, url in OPERATIONS if url.startswith("/v1/") and "{" not in url)


# An alias's weights are percentages: a request's bucket (0..99) picks the target whose cumulative weight covers it.
ALIAS_BUCKETS = 100
SESSION_HEADER = "x-session-id"
"""A caller that sends it keeps its alias target for the whole conversation: the bucket is a hash of its value."""
# Azure Monitor takes 10 dimension keys per custom metric and API Management uses 5 of them for its default
# dimensions, which leaves 5 for a policy's own (llm-emit-token-metric, "Limits for custom metrics").
MAX_METRIC_DIMENSIONS = 5


class AliasTargetArgs(TypedDict):
    deployment: str
    """A deployment of the team, present on every member of its pool (failover keeps the name)."""
    weight: int
    """0..100, the percentage of the alias's calls; 0 keeps it deployed with none (blue-green)."""


class AliasArgs(TypedDict):
    name: str
    """What the team's apps call: ``/deployments/<name>/...``, or ``{"model": "<name>"}`` on ``/openai/v1``."""
    targets: list[AliasTargetArgs]
    """Weights sum to 100."""


class TeamLimitArgs(TypedDict):
    team: str
    """Names the team's product and keys its limits and aliases in the policy."""
    caller_app_ids: NotRequired[list[pulumi.Input[str]]]
    """Entra application IDs that identify the team's keyless callers."""
    tokens_per_minute: NotRequired[int]
    monthly_tokens: NotRequired[int]
    aliases: NotRequired[list[AliasArgs]]
    """Names the gateway resolves, for this team only, to one of its deployments by weight."""


class PolicyRoutingArgs(TypedDict):
    pool: str
    """``backend-id`` of the pool that stateless calls go to."""
    pool_size: int
    primary_backend: str
    """``backend-id`` of the priority-1 member, which holds stored responses."""
    failure_count: int
    """Failures that trip a member: the retries must outlast them to reach the next member."""


def _limit(team: TeamLimitArgs) -> str:
    tpm, quota = (
        None if team.get(key) is None else whole(team[key], f"{team['team']}.{key}")
        for key in ("tokens_per_minute", "monthly_tokens")
    )
    if tpm is not None and not 1 <= tpm <= MAX_TOKENS_PER_MINUTE:
        raise ValueError(f"{team['team']}: tokens-per-minute {tpm} is outside 1..{MAX_TOKENS_PER_MINUTE}")
    if quota is not None and not 1 <= quota <= MAX_TOKEN_QUOTA:
        raise ValueError(f"{team['team']}: token-quota {quota} is outside 1..{MAX_TOKEN_QUOTA}")
    attrs = {"counter-key": team["team"], "estimate-prompt-tokens": "false"}
    if tpm:
        attrs["tokens-per-minute"] = str(tpm)
    if quota:
        attrs["token-quota"] = str(quota)
        attrs["token-quota-period"] = "Monthly"
    if len(attrs) == 2:  # nothing to limit
        return "<!-- no limit -->"
    rendered = " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items())
    return f"<llm-token-limit {rendered} />"


@cache
def _template_text(name: str) -> str:
    return (TEMPLATES / f"{name}.xml").read_text()


def _template(name: str, **values: str) -> str:
    return Template(_template_text(name)).substitute(**values)


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def render_api_policy(
    tenant_id: str, audiences: list[str], routing: PolicyRoutingArgs, teams: list[TeamLimitArgs]
) -> str:
    """The OpenAI API's policy: caller identity, one team limit per request, team aliases, token metrics,
    keyless backend auth, stored-response affinity, the pool and its retry.

    The token metric's dimensions: Team; Model, the name the call gave (path or body); API; Alias, that name when
    it was an alias of the caller's team (else empty); Deployment, the deployment called."""
    app_ids = list(dict.fromkeys(app for t in teams for app in t.get("caller_app_ids", [])))
    if app_ids:
        keyless = _template(
            "keyless-validate",
            tenant_id=_attr(tenant_id),
            application_ids="\n".join(f"            <application-id>{escape(a)}</application-id>" for a in app_ids),
            audiences="\n".join(f"            <audience>{escape(a)}</audience>" for a in audiences),
        ).rstrip("\n")
    else:
        keyless = _template("keyless-refused").rstrip("\n")
    when = []
    for t in teams:
        condition = f'@(context.Variables.GetValueOrDefault<string>("team", "") == "{t["team"]}")'
        when.append(f"      <when condition={quoteattr(condition)}>\n        {_limit(t)}\n      </when>")
    cases = [
        f"        case {quoteattr_value(app)}: return {quoteattr_value(t['team'])};"
        for t in teams
        for app in t.get("caller_app_ids", [])
    ]
    stored = " || ".join(f"op == &quot;{op}&quot;" for op in STORED_RESPONSE_OPERATIONS)
    body_model = " || ".join(f"op == &quot;{op}&quot;" for op in BODY_MODEL_OPERATIONS)
    return _template(
        "openai-api",
        keyless=keyless,
        app_cases="\n".join(cases),
        team_limits="\n".join(when),
        stored_ops=stored,
        body_model_ops=body_model,
        alias_routing=_alias_routing(teams),
        create_op=RESPONSES_CREATE_OPERATION,
        primary_backend=_attr(routing["primary_backend"]),
        pool=_attr(routing["pool"]),
        backend=_backend(whole(routing["pool_size"], "pool_size"), whole(routing["failure_count"], "failure_count")),
    )


def _alias_routing(teams: list[TeamLimitArgs]) -> str:
    """The alias block (``policies/alias-routing.xml``): per team, per alias, the target its bucket picks. Nothing
    when no team has an alias, so such a policy is what it was before aliases."""
    cases = []
    for t in teams:
        aliases = t.get("aliases") or []
        names = [plain(a["name"], f"{t['team']}.aliases[].name") for a in aliases]
        if len(set(names)) != len(names):
            raise ValueError(f"{t['team']}: alias names repeat: {names}")
        if aliases:
            picks = "\n".join(
                f"            case {quoteattr_value(a['name'])}: return {_alias_pick(t['team'], a)};" for a in aliases
            )
            cases.append(
                f"        case {quoteattr_value(t['team'])}:\n          switch (name) {{\n{picks}\n          }}\n"
                "          break;"
            )
    if not cases:
        return ""
    return _template(
        "alias-routing",
        session_header=SESSION_HEADER,
        buckets=str(ALIAS_BUCKETS),
        max_bucket=str(ALIAS_BUCKETS - 1),
        team_cases="\n".join(cases),
    )


def _alias_pick(team: str, alias: AliasArgs) -> str:
    """A C# expression of ``bucket``: the first target whose cumulative weight exceeds it. Weight-0 targets are
    left out, so no bucket reaches them; the last target with traffic takes the rest."""
    where = f"{team}.aliases[{alias['name']}]"
    if not alias["name"]:
        raise ValueError(f"{where}: an alias needs a name")
    deployments = [plain(t["deployment"], f"{where}.targets[].deployment") for t in alias["targets"]]
    if len(set(deployments)) != len(deployments) or not all(deployments):
        raise ValueError(f"{where}: each target names a different deployment: {deployments}")
    served, total = [], 0
    for i, target in enumerate(alias["targets"]):
        weight = whole(target["weight"], f"{where}.targets[{i}].weight")
        if not 0 <= weight <= ALIAS_BUCKETS:
            raise ValueError(f"{where}.targets[{i}].weight: {weight} is outside 0..{ALIAS_BUCKETS}")
        total += weight
        if weight:
            served.append((total, target["deployment"]))
    if total != ALIAS_BUCKETS:
        raise ValueError(f"{where}: weights sum to {total}, not {ALIAS_BUCKETS}")
    *before, (_, last) = served
    pick = quoteattr_value(last)
    for upto, deployment in reversed(before):
        pick = f"bucket &lt; {upto} ? {quoteattr_value(deployment)} : {pick}"
    return pick


def retry_count(pool_size: int, failure_count: int) -> int:
    """Enough retries to trip every member but the last: a member takes ``failure_count`` failures to trip,
    and until it trips the pool keeps choosing it (or, among members sharing a priority, may choose it again).
    With a healthy member in that group the pool usually reaches it sooner; this is the worst case."""
    return failure_count * (pool_size - 1)


def _backend(pool_size: int, failure_count: int) -> str:
    if pool_size < 2:  # one member: nowhere else to go
        return '    <forward-request buffer-request-body="true" />'
    return _template("retry", retry_count=str(retry_count(pool_size, failure_count))).rstrip("\n")


def quoteattr_value(value: str) -> str:
    """A C# string literal inside an XML attribute."""
    literal = value.replace("\\", "\\\\").replace('"', '\\"')
    return escape(f'"{literal}"', {'"': "&quot;"})

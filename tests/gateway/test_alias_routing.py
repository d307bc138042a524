"""Team aliases at the gateway: the rendered policy, and its routing run over many simulated requests.

An alias is a stable name a team's apps call; the API policy resolves it for the caller's team only, to one of
the team's deployments by weight, and forwards to that deployment in the same pool. The simulation compiles the
very C# text of the rendered policy (the deployment, the alias choice, the two rewrites and the metric's
dimensions) with mcs into a small gateway and runs it under Mono, as ``test_policy_expressions`` runs the team
expression.

Sources:
- Policy expressions are C# 7 over an allowed set of types, among them ``System.Guid``, ``System.UInt32``,
  ``System.Text.Encoding`` and ``Newtonsoft.Json.Linq.JObject``; ``context.Operation.UrlTemplate`` and
  ``context.Request.Headers.GetValueOrDefault`` are members of the context
  (learn.microsoft.com/azure/api-management/api-management-policy-expressions).
- ``string.GetHashCode`` cannot make a session sticky: "The hash code itself is not guaranteed to be stable ...
  two subsequent runs of the same program may return different hash codes"
  (learn.microsoft.com/dotnet/api/system.string.gethashcode), and a gateway runs several instances. The bucket
  is FNV-1a 32 over the header's UTF-8 octets instead (RFC 9923, "The FNV Non-Cryptographic Hash Algorithm":
  offset basis 2166136261, prime 16777619).
- ``rewrite-uri``: "template ... Policy expressions are allowed. When expressions are used, the whole value must
  be an expression"; ``copy-unmatched-params`` keeps the query, ``api-version`` with it
  (learn.microsoft.com/azure/api-management/rewrite-uri-policy).
- ``set-body``: "If preserveContent is set to true and a different body is returned by the expression, the
  returned body is used" (learn.microsoft.com/azure/api-management/set-body-policy).
- ``llm-emit-token-metric``: Azure Monitor takes 10 dimension keys per metric and API Management uses 5 for its
  default ones, so a policy configures at most 5 custom dimensions
  (learn.microsoft.com/azure/api-management/llm-emit-token-metric-policy, "Limits for custom metrics").
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pulumi
import pytest

from components import OpenAiGatewayApi
from components.gateway_policy import (
    MAX_METRIC_DIMENSIONS,
    OPERATIONS,
    SESSION_HEADER,
    render_api_policy,
)
from infra import azure_types
from tests.gateway.test_policy_expressions import as_method, build_program, run_program
from tests.helpers import example_plan, of_type, register

API_POLICY = azure_types.API_POLICY.token
TENANT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
APP_A, APP_B = "00000000-0000-0000-0000-0000000000a1", "00000000-0000-0000-0000-0000000000b1"
ROUTING = {"pool": "pool-x", "pool_size": 2, "primary_backend": "x-1", "failure_count": 3}
OLD, NEW = "contoso-chat-gpt-4.1-mini", "contoso-chat-gpt-5-mini"
BLUE, GREEN = "contoso-chat-blue", "contoso-chat-green"
HR_CHAT = "hr-copilot-gpt-4.1-mini"


def alias(name: str, **weights: int) -> dict:
    return {"name": name, "targets": [{"deployment": d, "weight": w} for d, w in weights.items()]}


# Two teams with an alias named chat; a canary at 10%, an even split, a blue-green standby at 0; the next step of
# the same canary (50%) as another team, to compare the two steps; and a team with no alias.
TEAMS = [
    {
        "team": "contoso-chat",
        "caller_app_ids": [APP_A],
        "aliases": [
            alias("chat", **{OLD: 90, NEW: 10}),
            alias("even", **{"contoso-chat-even-a": 50, "contoso-chat-even-b": 50}),
            alias("bluegreen", **{BLUE: 100, GREEN: 0}),
        ],
    },
    {"team": "hr-copilot", "caller_app_ids": [APP_B], "aliases": [alias("chat", **{HR_CHAT: 100})]},
    {"team": "contoso-next", "aliases": [alias("chat", **{OLD: 50, NEW: 50})]},
    {"team": "plain", "tokens_per_minute": 1000},
]


def alias_policy(teams: list[dict] = TEAMS) -> str:
    return render_api_policy(TENANT, ["api://gw"], ROUTING, teams)


def alias_route(inbound: ET.Element) -> ET.Element:
    """The ``choose`` that forwards to the chosen deployment."""
    (route,) = [c for c in inbound.findall("choose") if c.find("when/rewrite-uri") is not None]
    return route


# --- the rendered policy --------------------------------------------------------------------------------------------


def test_a_policy_without_aliases_has_no_alias_block_and_five_dimensions():
    """Teams without aliases render what they did before, plus the Alias and Deployment dimensions: 5 custom
    dimensions, the most llm-emit-token-metric takes."""
    teams = [{"team": "a", "caller_app_ids": [APP_A]}, {"team": "b", "tokens_per_minute": 10}]
    xml = alias_policy(teams)
    assert xml == alias_policy([{**teams[0], "aliases": []}, teams[1]])
    inbound = ET.fromstring(xml).find("inbound")
    assert inbound.find("set-variable[@name='alias-target']") is None and inbound.find(".//rewrite-uri") is None
    assert SESSION_HEADER not in xml and "Encoding.UTF8" not in xml
    dims = [d.get("name") for d in inbound.find("llm-emit-token-metric")]
    assert dims == ["Team", "Model", "API", "Alias", "Deployment"]
    assert len(dims) == MAX_METRIC_DIMENSIONS == 5


def test_the_alias_block_resolves_per_team_between_the_deployment_and_the_metric():
    inbound = ET.fromstring(alias_policy()).find("inbound")
    order = [(e.tag, e.get("name")) for e in inbound]
    deployment = order.index(("set-variable", "deployment"))
    assert order[deployment + 1 : deployment + 4] == [
        ("set-variable", "alias-target"),
        ("choose", None),
        ("llm-emit-token-metric", None),
    ]
    choice = inbound.find("set-variable[@name='alias-target']").get("value")
    assert f'GetValueOrDefault("{SESSION_HEADER}", "")' in choice
    assert "uint hash = 2166136261u;" in choice and "* 16777619u" in choice and "GetHashCode" not in choice
    assert choice.count('case "chat":') == 3  # contoso-chat, hr-copilot, contoso-next: each its own
    assert f'case "chat": return bucket < 90 ? "{OLD}" : "{NEW}";' in choice
    assert f'case "chat": return "{HR_CHAT}";' in choice
    assert f'case "bluegreen": return "{BLUE}";' in choice and GREEN not in choice  # weight 0: unreachable
    assert 'case "plain":' not in choice


def test_the_chosen_deployment_goes_in_the_path_with_the_query_or_in_the_body():
    route = alias_route(ET.fromstring(alias_policy()).find("inbound"))
    path, body = route.findall("when")
    assert 'ContainsKey("deployment-id")' in path.get("condition")
    rewrite = path.find("rewrite-uri")
    assert rewrite.get("copy-unmatched-params") == "true"
    assert rewrite.get("template").startswith("@(") and "{deployment-id}" in rewrite.get("template")
    assert body.find("set-body").text.strip().startswith("@{") and 'body["model"]' in body.find("set-body").text
    assert route.find("otherwise") is None


@pytest.mark.parametrize(
    "targets, message",
    [
        ({OLD: 80, NEW: 10}, r"contoso-chat.aliases\[chat\]: weights sum to 90, not 100"),
        ({OLD: 101, NEW: -1}, r"contoso-chat.aliases\[chat\].targets\[0\].weight: 101 is outside 0..100"),
        ({OLD: 90.5, NEW: 9.5}, r"contoso-chat.aliases\[chat\].targets\[0\].weight: expected a whole number"),
    ],
)
def test_weights_are_whole_percentages_summing_to_100(targets, message):
    with pytest.raises(ValueError, match=message):
        alias_policy([{"team": "contoso-chat", "aliases": [alias("chat", **targets)]}])


def test_bad_aliases_are_refused_and_float_weights_from_other_languages_are_not():
    twice = [{"team": "t", "aliases": [alias("chat", a=100), alias("chat", b=100)]}]
    with pytest.raises(ValueError, match=r"t: alias names repeat: \['chat', 'chat'\]"):
        alias_policy(twice)
    same_target = [{"team": "t", "aliases": [{"name": "chat", "targets": [{"deployment": "a", "weight": 50}] * 2}]}]
    with pytest.raises(ValueError, match=r"t.aliases\[chat\]: each target names a different deployment"):
        alias_policy(same_target)
    with pytest.raises(TypeError, match="must be a plain string, not an Output"):
        alias_policy([{"team": "t", "aliases": [alias("chat", a=100) | {"name": pulumi.Output.from_input("x")}]}])
    # Over the component plugin every number is a float (protobuf's Struct): 90.0 is 90.
    floats = alias_policy([{"team": "t", "aliases": [alias("chat", a=90.0, b=10.0)]}])
    assert 'return bucket < 90 ? "a" : "b";' in ET.fromstring(floats).find(
        "inbound/set-variable[@name='alias-target']"
    ).get("value")


def test_the_component_passes_a_team_s_aliases_to_its_policy():
    def program():
        OpenAiGatewayApi(
            "grp",
            {
                "service_name": "apim",
                "resource_group_name": "rg",
                "api_id": "grp",
                "path": "grp/openai",
                "pool_name": "pool-grp",
                "pool_size": 2,
                "primary_backend": "grp-1",
                "failure_count": 3,
                "tenant_id": TENANT,
                "audiences": ["api://x"],
                "teams": [{"team": "a", "caller_app_ids": [APP_A], "aliases": [alias("chat", x=90, y=10)]}],
            },
        )

    (policy,) = of_type(register(program), API_POLICY)
    assert "case &quot;chat&quot;: return bucket &lt; 90 ? &quot;x&quot; : &quot;y&quot;;" in policy.inputs["value"]


def test_the_plugin_schema_has_the_alias_types():
    """Other languages see ``aliases`` on a gateway team: the schema is inferred from the TypedDicts."""
    from pulumi.provider.experimental.analyzer import Analyzer

    result = Analyzer("ai-landing-zone").analyze([OpenAiGatewayApi])
    types = result["type_definitions"]
    assert {"AliasArgs", "AliasTargetArgs"} <= set(types)
    assert set(types["AliasArgs"].properties) == {"name", "targets"}
    assert set(types["AliasTargetArgs"].properties) == {"deployment", "weight"}
    assert "aliases" in types["GatewayTeamArgs"].properties


# --- the simulation -------------------------------------------------------------------------------------------------

# Just enough of API Management's context and of Newtonsoft's JSON for the alias pipeline, with behaviour: headers
# are case-insensitive, a body is a JSON object of string properties, a variable has the type it was set with.
GATEWAY_CS = """using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Newtonsoft.Json.Linq;
using ApiManagement;

namespace Newtonsoft.Json.Linq
{
    public enum JTokenType { Object, String }
    public abstract class JToken
    {
        public abstract JTokenType Type { get; }
        public static implicit operator JToken(string value) { return new JValue(value); }
    }
    public class JValue : JToken
    {
        readonly string value;
        public JValue(string value) { this.value = value; }
        public override JTokenType Type { get { return JTokenType.String; } }
        public override string ToString() { return value; }
    }
    public class JObject : JToken
    {
        readonly Dictionary<string, JToken> properties = new Dictionary<string, JToken>();
        public override JTokenType Type { get { return JTokenType.Object; } }
        public JToken this[string name]
        {
            get { JToken found; return properties.TryGetValue(name, out found) ? found : null; }
            set { properties[name] = value; }
        }
        public override string ToString()
        {
            return "{" + string.Join(",", properties.Select(p => "\\"" + p.Key + "\\":\\"" + p.Value + "\\"")) + "}";
        }
    }
}

namespace ApiManagement
{
    public class MessageBody
    {
        public JObject Json;
        public T As<T>(bool preserveContent = false) where T : class { return Json as T; }
    }
    public class Request
    {
        public IReadOnlyDictionary<string, string> MatchedParameters { get; set; }
        public IReadOnlyDictionary<string, string[]> Headers { get; set; }
        public MessageBody Body { get; set; }
    }
    public class Operation { public string Id { get; set; } public string UrlTemplate { get; set; } }
    public class Context
    {
        public Request Request { get; set; }
        public Operation Operation { get; set; }
        public IReadOnlyDictionary<string, object> Variables { get; set; }
    }
    public static class ContextExtensions
    {
        public static T GetValueOrDefault<T>(
            this IReadOnlyDictionary<string, object> variables, string name, T defaultValue)
        {
            object found;
            return variables.TryGetValue(name, out found) ? (T)found : defaultValue;
        }
        public static string GetValueOrDefault(
            this IReadOnlyDictionary<string, string[]> values, string name, string defaultValue)
        {
            string[] found;
            return values.TryGetValue(name, out found) ? string.Join(",", found) : defaultValue;
        }
    }
}

public static class Gateway
{
%(methods)s
    // Each line of stdin is a request: team, operation id, its URL template, the path's deployment-id (or empty),
    // the body's model (or empty), the session header (or empty). Each line out: the alias target, the path
    // forwarded, the body forwarded, the Alias and the Deployment dimensions.
    public static void Main()
    {
        string line;
        while ((line = Console.In.ReadLine()) != null)
        {
            var f = line.Split('\\t');
            var variables = new Dictionary<string, object>();
            var matched = new Dictionary<string, string>();
            if (f[3] != "") { matched["deployment-id"] = f[3]; }
            var headers = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
            if (f[5] != "") { headers["%(header)s"] = new[] { f[5] }; }
            JObject json = null;
            if (f[4] != "") { json = new JObject(); json["model"] = f[4]; json["input"] = "hello"; }
            var context = new Context
            {
                Request = new Request
                {
                    MatchedParameters = matched, Headers = headers, Body = new MessageBody { Json = json },
                },
                Operation = new Operation { Id = f[1], UrlTemplate = f[2] },
                Variables = variables,
            };
            var uri = f[3] == "" ? f[2] : f[2].Replace("{deployment-id}", f[3]);
            var body = json == null ? "" : json.ToString();
            variables["team"] = f[0];
            variables["deployment"] = (string)E0(context);
            variables["alias-target"] = (string)E1(context);
            %(choose)s
            var target = (string)variables["alias-target"];
            var fields = new[] { target, uri, body, (string)E2(context), (string)E3(context) };
            Console.WriteLine(string.Join("\\t", fields));
        }
    }
}
"""

TEMPLATES = {op: url for op, _, _, url in OPERATIONS}


@dataclass(frozen=True)
class Call:
    team: str
    name: str
    """What the app calls: a deployment or an alias."""
    v1: bool = False
    """On /openai/v1 with the name in the body's model, else on /deployments/{name}/chat/completions."""
    session: str = ""

    def line(self) -> str:
        op = "v1-chat-completions" if self.v1 else "chat-completions"
        path, model = ("", self.name) if self.v1 else (self.name, "")
        return "\t".join((self.team, op, TEMPLATES[op], path, model, self.session))


@dataclass(frozen=True)
class Routed:
    alias_target: str
    path: str
    body: dict | None
    alias: str
    """The Alias dimension."""
    deployment: str
    """The Deployment dimension."""


def gateway_source(xml: str) -> str:
    """The gateway program around the policy's own expressions, walked in the policy's order."""
    inbound = ET.fromstring(xml).find("inbound")
    route = alias_route(inbound)
    dims = {d.get("name"): d.get("value") for d in inbound.find("llm-emit-token-metric")}
    exprs = [
        inbound.find("set-variable[@name='deployment']").get("value"),
        inbound.find("set-variable[@name='alias-target']").get("value"),
        dims["Alias"],
        dims["Deployment"],
    ]
    branches = []
    for when in route.findall("when"):
        (action,) = list(when)
        assert action.tag in ("rewrite-uri", "set-body"), action.tag
        target, text = ("uri", action.get("template")) if action.tag == "rewrite-uri" else ("body", action.text.strip())
        condition, value = len(exprs), len(exprs) + 1
        exprs += [when.get("condition"), text]
        branches.append(f"if ((bool)E{condition}(context)) {{ {target} = (string)E{value}(context); }}")
    methods = "".join(as_method(i, e, "Context") for i, e in enumerate(exprs))
    return GATEWAY_CS % {"methods": methods, "choose": " else ".join(branches), "header": "X-Session-Id"}


def simulated_gateway(xml: str, tmp_path) -> Callable[[list[Call]], list[Routed]]:
    """Runs requests through the policy's alias pipeline, one Mono process per call."""
    program = build_program(gateway_source(xml), tmp_path)

    def run(calls: list[Call]) -> list[Routed]:
        out = run_program(program, stdin="".join(c.line() + "\n" for c in calls)).splitlines()
        assert len(out) == len(calls)
        routed = []
        for line in out:
            target, path, body, alias_dim, deployment = line.split("\t")
            routed.append(Routed(target, path, json.loads(body) if body else None, alias_dim, deployment))
        return routed

    return run


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    return simulated_gateway(alias_policy(), tmp_path_factory.mktemp("alias-gateway"))


def fnv1a_32(text: str) -> int:
    """FNV-1a, 32 bits, over UTF-8 octets (RFC 9923): an independent oracle for the policy's C#."""
    hash_ = 2166136261
    for octet in text.encode():
        hash_ = ((hash_ ^ octet) * 16777619) % 2**32
    return hash_


REQUESTS = 20_000
TOLERANCE = 0.02


def test_the_oracle_is_fnv_1a():
    """RFC 9923's FNV-1a 32 of "", "a" and "foobar"."""
    assert [fnv1a_32(s) for s in ("", "a", "foobar")] == [0x811C9DC5, 0xE40C292C, 0xBF9CF968]


@pytest.mark.parametrize(
    "name, weights",
    [
        ("chat", {OLD: 90, NEW: 10}),
        ("even", {"contoso-chat-even-a": 50, "contoso-chat-even-b": 50}),
        ("bluegreen", {BLUE: 100, GREEN: 0}),
    ],
)
def test_without_a_session_the_split_follows_the_weights(gateway, name, weights):
    """20,000 requests without the session header, half on the path and half on v1: each target's share is
    within 2 points of its weight, and a weight-0 target gets no request at all."""
    calls = [Call("contoso-chat", name, v1=i % 2 == 1) for i in range(REQUESTS)]
    routed = gateway(calls)
    shares = Counter(r.deployment for r in routed)
    assert set(shares) == {d for d, w in weights.items() if w}
    for deployment, weight in weights.items():
        assert abs(shares[deployment] / REQUESTS - weight / 100) <= TOLERANCE, (deployment, shares)
    assert all(r.alias == name and r.alias_target == r.deployment for r in routed)


def test_a_session_keeps_its_deployment_in_every_process_and_sessions_follow_the_weights(gateway):
    """Each of 20,000 sessions sends three requests (path, v1, path, interleaved with the others) in two separate
    gateway processes: every request of a session goes to one deployment, the same in both processes, the one
    FNV-1a of the header predicts; and across sessions the split is within 2 points of 90/10."""
    sessions = [f"conversation-{i}" for i in range(REQUESTS)]
    calls = [Call("contoso-chat", "chat", v1=round_ == 1, session=s) for round_ in range(3) for s in sessions]
    first, second = gateway(calls), gateway(calls)
    assert first == second
    chosen: dict[str, set[str]] = {}
    for call, routed in zip(calls, first, strict=True):
        chosen.setdefault(call.session, set()).add(routed.deployment)
    assert all(len(d) == 1 for d in chosen.values())
    predicted = {s: OLD if fnv1a_32(s) % 100 < 90 else NEW for s in sessions}
    assert {s: next(iter(d)) for s, d in chosen.items()} == predicted
    assert abs(Counter(predicted.values())[NEW] / REQUESTS - 0.10) <= TOLERANCE


def test_moving_a_canary_from_10_to_50_keeps_its_sessions_on_the_new_version(gateway):
    """The weights are cumulative in the order listed, so a session already on the canary stays on it when the
    canary grows (the same deployments at 90/10 for contoso-chat and at 50/50 for contoso-next)."""
    sessions = [f"s-{i}" for i in range(2_000)]
    at_10 = gateway([Call("contoso-chat", "chat", session=s) for s in sessions])
    at_50 = gateway([Call("contoso-next", "chat", session=s) for s in sessions])
    on_new_at_10 = {s for s, r in zip(sessions, at_10, strict=True) if r.deployment == NEW}
    on_new_at_50 = {s for s, r in zip(sessions, at_50, strict=True) if r.deployment == NEW}
    assert 100 < len(on_new_at_10) < len(on_new_at_50) and on_new_at_10 <= on_new_at_50


def test_the_alias_is_rewritten_in_the_path_or_in_the_body_and_the_dimensions_say_both(gateway):
    path, v1 = gateway([Call("hr-copilot", "chat", session="x"), Call("hr-copilot", "chat", v1=True)])
    assert path == Routed(HR_CHAT, f"/deployments/{HR_CHAT}/chat/completions", None, "chat", HR_CHAT)
    assert v1 == Routed(HR_CHAT, "/v1/chat/completions", {"model": HR_CHAT, "input": "hello"}, "chat", HR_CHAT)


def test_each_team_gets_its_own_alias_and_names_that_are_not_its_aliases_pass_untouched(gateway):
    """Two teams' ``chat`` go to their own deployments; a team without that alias, and a call naming a
    deployment, are forwarded as sent, with an empty Alias dimension."""
    calls = [
        Call("contoso-chat", "chat", session="same"),
        Call("hr-copilot", "chat", session="same"),
        Call("plain", "chat"),
        Call("plain", "chat", v1=True),
        Call("contoso-chat", OLD),
        Call("contoso-chat", NEW, v1=True),
        Call("contoso-chat", "even-a"),  # not an alias: a name of nothing, left for the backend to refuse
        Call("", "chat"),  # no team: refused earlier in the policy; never resolved here
    ]
    contoso, hr, plain_path, plain_v1, direct, direct_v1, unknown, no_team = gateway(calls)
    assert contoso.deployment in (OLD, NEW) and contoso.alias == "chat"
    assert hr.deployment == HR_CHAT and hr.alias == "chat"
    assert plain_path == Routed("", "/deployments/chat/chat/completions", None, "", "chat")
    assert plain_v1 == Routed("", "/v1/chat/completions", {"model": "chat", "input": "hello"}, "", "chat")
    assert direct == Routed("", f"/deployments/{OLD}/chat/completions", None, "", OLD)
    assert direct_v1 == Routed("", "/v1/chat/completions", {"model": NEW, "input": "hello"}, "", NEW)
    assert unknown == Routed("", "/deployments/even-a/chat/completions", None, "", "even-a")
    assert no_team.alias_target == "" and no_team.deployment == "chat"


def test_the_rollout_example_routes_each_alias_by_its_weights(tmp_path):
    """End to end: the policy that the plan of ``examples/rollout`` declares, run over 20,000 requests per alias
    of its plan, splits within 2 points of the alias's weights, on the path and on v1."""
    plan = example_plan("rollout")
    assert plan.topology.aliases
    for spec in plan.topology.aliases:
        (api,) = [a for a in plan.topology.gateway.apis if spec.team in {t.team for t in a.teams}]
        (policy,) = [p for p in of_type(plan.resources, API_POLICY) if p.inputs["apiId"] == api.group]
        (folder := tmp_path / f"{spec.team}-{spec.name}").mkdir()
        run = simulated_gateway(policy.inputs["value"], folder)
        shares = Counter(
            r.deployment for r in run([Call(spec.team, spec.name, v1=i % 2 == 1) for i in range(REQUESTS)])
        )
        for target in spec.targets:
            assert abs(shares[target.deployment] / REQUESTS - target.weight / 100) <= TOLERANCE, (target, shares)
        assert sum(shares.values()) == REQUESTS

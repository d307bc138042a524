"""The gateway's LLM logs: every API sends token counts to the workspace; prompt and completion bodies only by config.

Sources:
- learn.microsoft.com/azure/api-management/api-management-howto-llm-logs: "For each request, Azure Monitor receives
  data about token usage (prompt tokens, completion tokens, and total tokens), the name of the model used, and
  optionally the request and response messages (prompt and completion)"; the portal's "Log LLM messages" is per API.
- Azure/azure-resource-manager-schemas, schemas/2024-10-01-preview/Microsoft.ApiManagement.json (commit a1454431;
  a copy in /work/shared/arm-schemas): ``DiagnosticContractProperties.largeLanguageModel`` is
  ``LLMDiagnosticSettings`` {``logs``: "enabled" | "disabled", ``requests``/``responses``:
  ``LLMMessageDiagnosticSettings``}; that is {``messages``: "all" (its only value), ``maxSizeInBytes``: integer,
  minimum 1, maximum 262144, "The default size is 32KB"}. ``loggerId`` is required. azure-native 3.29's
  ``ApiDiagnostic`` (2024-05-01) has no ``largeLanguageModel``, hence the versioned type token.
- Azure-Samples/AI-Gateway (commit 561d7199): modules/apim/v2/apim.bicep declares the ``azuremonitor`` logger
  (``loggerType: 'azureMonitor'``, ``isBuffered: false``); labs/finops-framework/main.bicep gives each API an
  ``azuremonitor`` diagnostic with ``largeLanguageModel`` through it, sends the service's ``categoryGroup: 'AllLogs'``
  to the workspace, and reads ``ApiManagementGatewayLlmLog`` from it.
- learn.microsoft.com/azure/azure-monitor/reference/supported-logs/microsoft-apimanagement-service-logs:
  "GatewayLlmLogs | Logs related to generative AI gateway | ApiManagementGatewayLlmLog", a resource log category of
  the service, which the ``allLogs`` category group holds.
"""

from __future__ import annotations

import pytest

from components.openai_gateway_api import LLM_DIAGNOSTIC_TYPE
from infra import azure_types
from infra.plan import make_plan
from tests.helpers import PLAN_DATE, minimal_landing_zone, of_type, run_in_process, team, write_stack

LOGGER = azure_types.APIM_LOGGER.token
API = azure_types.API.token
DIAGNOSTIC_SETTING = azure_types.DIAGNOSTIC_SETTING.token
AT = "landingZone.gateway.llmLogs"


def gateway_landing_zone(llm_logs: dict | None = None) -> dict:
    gateway = {
        "enabled": True,
        "publisherEmail": "ai@contoso.com",
        "entra": {"tenantId": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "audiences": ["api://gw"]},
    }
    if llm_logs is not None:
        gateway["llmLogs"] = llm_logs
    caller = ["00000000-0000-0000-0000-0000000000a1"]
    lz = minimal_landing_zone(gateway=gateway, teams=[team("team-a", callerAppIds=caller)])
    lz["network"]["regions"]["swedencentral"]["vnet"]["gatewaySubnet"] = "10.0.0.64/27"
    return lz


def llm_diagnostics(plan) -> list:
    return of_type(plan.resources, LLM_DIAGNOSTIC_TYPE)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_api_sends_token_logs_through_the_azuremonitor_logger_and_no_bodies(stack, plans):
    plan = plans[stack]
    [logger] = [r for r in of_type(plan.resources, LOGGER) if r.inputs["loggerId"] == "azuremonitor"]
    assert logger.inputs["loggerType"] == "azureMonitor" and logger.inputs["isBuffered"] is False
    apis = sorted(r.inputs["apiId"] for r in of_type(plan.resources, API))
    diagnostics = llm_diagnostics(plan)
    assert len(apis) == 3 and sorted(d.inputs["apiId"] for d in diagnostics) == apis
    for d in diagnostics:
        assert d.inputs["diagnosticId"] == "azuremonitor"
        assert d.inputs["loggerId"] == logger.outputs["id"]
        assert d.inputs["largeLanguageModel"] == {"logs": "enabled"}  # no requests/responses: bodies off
        assert d.inputs["sampling"] == {"samplingType": "fixed", "percentage": 100}
        assert d.inputs["serviceName"] == logger.inputs["serviceName"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_services_diagnostic_setting_sends_the_llm_log_category(stack, plans):
    """GatewayLlmLogs is in the allLogs category group the gateway's setting sends (supported-logs page above)."""
    plan = plans[stack]
    [service] = of_type(plan.resources, azure_types.API_MANAGEMENT.token)
    settings = of_type(plan.resources, DIAGNOSTIC_SETTING)
    [setting] = [r for r in settings if r.inputs["resourceUri"] == service.outputs["id"]]
    assert {"categoryGroup": "allLogs", "enabled": True} in setting.inputs["logs"]
    assert setting.inputs["logAnalyticsDestinationType"] == "Dedicated"


def test_bodies_are_logged_with_messages_on_up_to_the_size_given(tmp_path):
    lz = gateway_landing_zone({"messages": True, "maxSizeInBytes": 65536})
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, lz))
    assert plan.ok, plan.diagnostics
    [d] = llm_diagnostics(plan)
    body = {"messages": "all", "maxSizeInBytes": 65536}
    assert d.inputs["largeLanguageModel"] == {"logs": "enabled", "requests": body, "responses": body}


def test_messages_on_without_a_size_logs_32_kb(tmp_path):
    plan = make_plan("test", PLAN_DATE, write_stack(tmp_path, gateway_landing_zone({"messages": True})))
    [d] = llm_diagnostics(plan)
    assert d.inputs["largeLanguageModel"]["requests"] == {"messages": "all", "maxSizeInBytes": 32768}


@pytest.mark.parametrize(
    ("llm_logs", "path", "message"),
    [
        ({"maxSizeInBytes": 0}, f"{AT}.maxSizeInBytes", "must be >= 1 (got 0)"),
        ({"maxSizeInBytes": 300000}, f"{AT}.maxSizeInBytes", "must be <= 262144 (got 300000)"),
        ({"maxSizeInBytes": "big"}, f"{AT}.maxSizeInBytes", "must be an integer (got str 'big')"),
        ({"messages": "yes"}, f"{AT}.messages", "must be true or false (got str 'yes')"),
        ({"bodies": True}, f"{AT}.bodies", "unknown key; allowed: maxSizeInBytes, messages"),
    ],
)
def test_bad_llm_log_config_is_an_error_at_its_yaml_path_and_plans_nothing(tmp_path, llm_logs, path, message):
    config = write_stack(tmp_path, gateway_landing_zone(llm_logs))
    plan = make_plan("test", PLAN_DATE, config)
    assert [(d.path, d.message) for d in plan.diagnostics if d.severity == "error"] == [(path, message)]
    assert plan.resources == []
    code, out, err = run_in_process("plan", "--stack", "test", "--config-file", str(config))
    assert code == 1 and path in out + err and message in out + err and "Traceback" not in out + err

"""The plan as a first ``pulumi preview`` shows it: nothing exists yet, so computed outputs are unknown.

azure-native returns a resource's inputs in a preview and marks everything else unknown: IDs, Azure names,
endpoints, principal IDs. The mocks can answer the same way (``plan --first-preview``); then the program
must register the very same resources, since no decision may wait on a value Azure has not made yet.
"""

from __future__ import annotations

import pytest

from infra.plan import UNKNOWN, _plain, make_plan, to_json
from tests.helpers import PLAN_DATE, of_type


@pytest.fixture(scope="module", params=["dev", "prod"])
def both(request, plans):
    return plans[request.param], make_plan(request.param, PLAN_DATE, first_preview=True)


def test_the_same_resources_register_whatever_is_unknown(both):
    known, preview = both
    assert preview.ok, preview.diagnostics
    shape = lambda plan: sorted((r.urn, r.type, r.parent, r.custom) for r in plan.resources)  # noqa: E731
    assert shape(preview) == shape(known)


def test_computed_values_show_as_unknown_and_config_values_stay_known(both):
    known, preview = both
    text = to_json(preview)
    assert UNKNOWN in text and UNKNOWN not in to_json(known)
    for account in of_type(preview.resources, "azure-native:cognitiveservices:Account"):
        inputs = _plain(account.inputs)
        # From config, but for the name of a resource group created in the same run (an output, as in preview).
        assert inputs.pop("resourceGroupName") == UNKNOWN and UNKNOWN not in str(inputs)
    for assignment in of_type(preview.resources, "azure-native:authorization:RoleAssignment"):
        assert _plain(assignment.inputs)["scope"] == UNKNOWN  # an account's ID, not made yet
    team = next(iter(preview.outputs["teams"].values()))
    assert set(team["endpoints"].values()) == {UNKNOWN} and set(team["accountIds"].values()) == {UNKNOWN}
    assert UNKNOWN not in str(team["deployments"]) and UNKNOWN not in str(team["regions"])

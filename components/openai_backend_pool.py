"""OpenAiBackendPool: one backend per regional account, with a circuit breaker, and a pool over them."""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import apimanagement

from components._inputs import LandingZoneComponent
from components._options import child_options


class PoolMemberArgs(TypedDict):
    backend_id: str
    """Names the member's backend resource."""
    url: pulumi.Input[str]
    """The account's OpenAI base URL, ``https://<subdomain>.openai.azure.com/openai``."""
    priority: int
    """1 first; a lower priority gets traffic only when every member of the higher ones is tripped. 0 to 100,
    checked before deployment."""
    weight: NotRequired[int]
    """Share of the traffic among members of the same priority (API Management weighs nowhere else); 1 if absent.
    0 to 100, checked before deployment."""


POOL_ITEM_RANGE = range(0, 101)
"""A pool item's priority and weight: BackendPoolItem, Microsoft.ApiManagement 2024-05-01 ("between 0 and 100")."""


def _pool_item(number: int, field: str) -> int:
    if number not in POOL_ITEM_RANGE:
        raise ValueError(f"{field}: API Management takes 0 to 100, got {number}")
    return number


class CircuitBreakerArgs(TypedDict):
    failure_count: pulumi.Input[int]
    interval: pulumi.Input[str]
    """ISO 8601, e.g. PT1M."""
    trip_duration: pulumi.Input[str]


class OpenAiBackendPoolArgs(TypedDict):
    service_name: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    pool_id: pulumi.Input[str]
    """The pool's ``backend-id``."""
    members: list[PoolMemberArgs]
    circuit_breaker: CircuitBreakerArgs


class OpenAiBackendPool(LandingZoneComponent):
    """API Management backends: ``Single`` per account and one ``Pool`` (at most 30 members).

    Each member trips on ``failure_count`` responses of 429 or 500-599 within
    ``interval`` and honours Retry-After, so a throttled region rests while
    the next priority serves.
    """

    pool_name: pulumi.Output[str]
    """The ``backend-id`` for ``set-backend-service``."""

    def __init__(self, name: str, args: OpenAiBackendPoolArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ai-landing-zone:index:OpenAiBackendPool", name, None, opts)
        child = child_options(self, opts)
        breaker = args["circuit_breaker"]
        rule = apimanagement.CircuitBreakerRuleArgs(
            name="openai-throttling-and-errors",
            failure_condition=apimanagement.CircuitBreakerFailureConditionArgs(
                count=breaker["failure_count"],
                interval=breaker["interval"],
                status_code_ranges=[
                    apimanagement.FailureStatusCodeRangeArgs(min=429, max=429),
                    apimanagement.FailureStatusCodeRangeArgs(min=500, max=599),
                ],
            ),
            trip_duration=breaker["trip_duration"],
            accept_retry_after=True,
        )
        backends = []
        for m in args["members"]:
            backends.append(
                (
                    m,
                    apimanagement.Backend(
                        f"{name}-{m['backend_id']}",
                        service_name=args["service_name"],
                        resource_group_name=args["resource_group_name"],
                        backend_id=m["backend_id"],
                        type="Single",
                        protocol="http",
                        url=m["url"],
                        circuit_breaker=apimanagement.BackendCircuitBreakerArgs(rules=[rule]),
                        opts=child,
                    ),
                )
            )
        pool = apimanagement.Backend(
            name,
            service_name=args["service_name"],
            resource_group_name=args["resource_group_name"],
            backend_id=args["pool_id"],
            type="Pool",
            pool=apimanagement.BackendBaseParametersPoolArgs(
                services=[
                    apimanagement.BackendPoolItemArgs(
                        id=b.id,
                        priority=_pool_item(m["priority"], f"members[{i}].priority"),
                        weight=_pool_item(m.get("weight", 1), f"members[{i}].weight"),
                    )
                    for i, (m, b) in enumerate(backends)
                ]
            ),
            opts=child,
        )
        self.pool_name = pool.name
        self.register_outputs({"poolName": self.pool_name})

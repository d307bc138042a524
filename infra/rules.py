"""Every slice's rules on the config, run from one place, before anything is decided.

A config that breaks a rule is not decided on: each slice's decisions may rely on its own rules holding
(one primary region, a gateway with monitoring, known regions), so they never crash on what was already
known to be wrong.
"""

from __future__ import annotations

import datetime as dt

from infra import costs, gateway_checks, network, operations, parity, promotion, tenancy
from infra.config import LandingZone
from infra.diagnostics import Diagnostic


def checks(lz: LandingZone, today: dt.date) -> list[Diagnostic]:
    return [
        *tenancy.checks(lz),
        *network.checks(lz),
        *gateway_checks.checks(lz),
        *costs.checks(lz, today),
        *operations.checks(lz),
        *parity.checks(lz),
        *promotion.checks(lz),
    ]

"""Entry point of the policy pack: Pulumi runs it beside ``pulumi preview`` and ``pulumi up``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from policies import POLICIES  # noqa: E402
from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

PolicyPack(name="ai-landing-zone", enforcement_level=EnforcementLevel.ADVISORY, policies=POLICIES)

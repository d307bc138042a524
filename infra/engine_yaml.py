"""YAML read as the Pulumi CLI reads a stack file, so the plan sees the values the program will get.

The CLI decodes ``Pulumi.<stack>.yaml`` with ``gopkg.in/yaml.v2`` into ``interface{}`` (pulumi/pulumi,
sdk/go/common/encoding/marshal.go; workspace.LoadProjectStackBytes), and hands object values to the program
as JSON text (``PULUMI_CONFIG``). PyYAML implements YAML 1.1 and yaml.v2 a mix of 1.1 and 1.2, so the same
plain scalar can mean different things. Where they differ (measured against yaml.v2 itself:
``tools/yaml-v2``, ``tests/config/test_engine_yaml.py``):

=================  ==================  ==========================
plain scalar       PyYAML (YAML 1.1)   yaml.v2 -> JSON (the engine)
=================  ==================  ==========================
``2024-08-06``     a date              the string ``"2024-08-06"``
``y``, ``n``       a string            true, false
``0o17``           a string            15
``1:20``           80 (base 60)        the string ``"1:20"``
``1e3``, ``08``    a string            1000, 8
``1.0``            1.0                 1 (Go's JSON drops ``.0``)
=================  ==================  ==========================

Team files are read by the program itself, with this same reader, so a team can move between a stack file
and a team file without its values changing meaning.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

import yaml

_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_BOOLS = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_SPECIAL_FLOATS = {
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
}
_NUMBER_TAG = "tag:ai-landing-zone:go-number"
# Go's strconv.ParseInt(s, 0, 64): an optional sign, then 0x / 0o / 0b / a leading 0 (octal) / decimal.
_GO_INT = re.compile(r"([+-]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|0([0-7]*)|([1-9][0-9]*))")
# yaml.v2's yamlStyleFloat: what it lets strconv.ParseFloat try.
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INT64 = range(-(2**63), 2**63)


def go_scalar(text: str) -> Any:
    """What yaml.v2 resolves a plain scalar that starts with a digit, a sign or a dot to (resolve.go)."""
    if text[0] == ".":
        # yaml.v2 hands these straight to ParseFloat; the YAML-style float covers what it accepts here.
        return float(text) if _YAML_STYLE_FLOAT.fullmatch(text) else text
    plain = text.replace("_", "")
    m = _GO_INT.fullmatch(plain)
    if m:
        sign, hexa, octo, bina, lead0, deci = m.groups()
        digits, base = next(
            (d, b) for d, b in ((hexa, 16), (octo, 8), (bina, 2), (deci, 10), (lead0, 8)) if d is not None
        )
        value = int(digits or "0", base) * (-1 if sign == "-" else 1)
        if value in _INT64 or (not sign and 0 <= value < 2**64):  # ParseInt, then ParseUint
            return value
    if _YAML_STYLE_FLOAT.fullmatch(plain):
        return float(plain)
    return text  # a timestamp (kept as its text for interface{}), sexagesimal, or anything else


class EngineLoader(_BASE):  # type: ignore[misc, valid-type]
    yaml_implicit_resolvers: dict = {}

    def construct_yaml_bool(self, node: yaml.ScalarNode) -> bool:
        return _BOOLS[self.construct_scalar(node)]

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        return _SPECIAL_FLOATS[self.construct_scalar(node)]

    def construct_go_number(self, node: yaml.ScalarNode) -> Any:
        return go_scalar(self.construct_scalar(node))


EngineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile("^(?:" + "|".join(_BOOLS) + ")$"), list("yYnNtTfFoO")
)
EngineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
EngineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile("^(?:" + "|".join(map(re.escape, _SPECIAL_FLOATS)) + ")$"), list("+-.")
)
EngineLoader.add_implicit_resolver(_NUMBER_TAG, re.compile(r"^[-+.0-9]"), list("-+.0123456789"))
EngineLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])
EngineLoader.add_constructor("tag:yaml.org,2002:bool", EngineLoader.construct_yaml_bool)
EngineLoader.add_constructor("tag:yaml.org,2002:float", EngineLoader.construct_yaml_float)
EngineLoader.add_constructor(_NUMBER_TAG, EngineLoader.construct_go_number)
# ``<<`` merges as a key; as a value, yaml.v2 reads the text.
EngineLoader.add_constructor("tag:yaml.org,2002:merge", EngineLoader.construct_scalar)


def as_the_program_gets_it(value: Any) -> Any:
    """The JSON hop from the CLI to the program: Go's encoding/json writes a whole float64 without ``.0``
    (1e3 -> 1000), and Python's json reads that back as an int."""
    if isinstance(value, dict):
        return {k: as_the_program_gets_it(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_the_program_gets_it(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(Decimal(repr(value)))  # Go prints the shortest digits, then zeros: 1.8446744073709552e19
    return value

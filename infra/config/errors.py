"""Pydantic's validation errors as diagnostics: the YAML path, and what is allowed there."""

from __future__ import annotations

import re
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from infra.config.types import _PATTERNS
from infra.diagnostics import Diagnostic, convention, did_you_mean, error, excerpt, join_path, rule, yaml_path

# One rule per kind of shape error pydantic reports. The schema is this project's (infra/config/models.py,
# published as schema/*.schema.json); the Azure limits inside it cite their sources in infra/config/types.py.
_SCHEMA = convention("the shape of the stack and team files, as schema/stack.schema.json and team.schema.json say")
REQUIRED = rule("config.required", "error", "Every required key is set.", _SCHEMA)
UNKNOWN_KEY = rule(
    "config.unknown-key",
    "error",
    "No key the schema does not know, with the nearest allowed key when one is close: a misspelt key would"
    " otherwise be ignored in silence.",
    _SCHEMA,
)
TYPE = rule(
    "config.type",
    "error",
    "Each value has its type (string, integer, true/false, list, mapping); YAML's yes/no and unquoted numbers"
    " where a string belongs are named.",
    _SCHEMA,
)
ALLOWED_VALUES = rule("config.allowed-values", "error", "A value from a closed set is one of its values.", _SCHEMA)
RANGE = rule("config.range", "error", "Numbers are finite and within their bounds (capacity >= 1, ...).", _SCHEMA)
PATTERN = rule(
    "config.pattern",
    "error",
    "Names, IDs, email addresses, tags and team file paths match their patterns; the error says what is allowed.",
    _SCHEMA,
)
LENGTH = rule("config.length", "error", "Lists and strings are within their length bounds.", _SCHEMA)
SHAPE = rule("config.shape", "error", "Any other shape error the schema finds.", _SCHEMA)
_RULE_OF_KIND = {
    "missing": REQUIRED,
    "extra_forbidden": UNKNOWN_KEY,
    "literal_error": ALLOWED_VALUES,
    "finite_number": RANGE,
    "greater_than_equal": RANGE,
    "less_than_equal": RANGE,
    "greater_than": RANGE,
    "less_than": RANGE,
    "string_pattern_mismatch": PATTERN,
    "too_short": LENGTH,
    "string_too_short": LENGTH,
    "too_long": LENGTH,
    "string_too_long": LENGTH,
}


def _allowed_keys(loc: tuple, root: Any) -> list[str] | None:
    """The keys allowed at the model that owns ``loc[:-1]`` (for 'unknown key' hints)."""
    model: Any = root
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = next((f for f in model.model_fields.values() if f.alias == part), None)
        if field is None:
            return None
        model = _model_in(field.annotation)
        if model is None:
            return None
    return sorted(f.alias for f in model.model_fields.values())


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation) if get_origin(annotation) is not None else ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


_TYPE_NAMES = {
    "string_type": "a string",
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
}


def _message(err: dict, root: Any) -> str:
    kind, ctx, value = err["type"], err.get("ctx", {}), err.get("input")
    if kind == "missing":
        return "is required"
    if kind == "finite_number":
        return f"must be a finite number (got {excerpt(value)})"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(tuple(err["loc"]), root)
        key = err["loc"][-1] if err["loc"] else None
        return f"unknown key; {did_you_mean(key, allowed)}" if allowed else "unknown key"
    if kind == "literal_error":
        # pydantic lists a Literal's values as "'a', 'b' or 'c'"
        choices = re.findall(r"'([^']*)'", ctx["expected"])
        near = did_you_mean(value, choices)
        if near.startswith("did you mean"):
            return f"{excerpt(value)} is not one of the allowed values: {near}"
        return f"must be one of {ctx['expected']} (got {excerpt(value)})"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        op = {"greater_than_equal": ">=", "less_than_equal": "<=", "greater_than": ">", "less_than": "<"}[kind]
        bound = next(iter(ctx.values()))
        return f"must be {op} {bound} (got {excerpt(value)})"
    if kind == "string_pattern_mismatch":
        meaning = _PATTERNS.get(ctx["pattern"], "a match for " + ctx["pattern"])
        return f"{excerpt(value)} is not allowed: must be {meaning}"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s)"
    if kind == "string_too_short":
        return f"needs at least {ctx.get('min_length')} character(s)"
    if kind in ("too_long", "string_too_long"):
        return f"allows at most {ctx.get('max_length')} item(s) or character(s)"
    if kind in _TYPE_NAMES:
        got = type(value).__name__
        if kind == "string_type" and isinstance(value, bool):
            return f"must be {_TYPE_NAMES[kind]}; YAML reads yes/no/on/off/y/n as {str(value).lower()}: quote it"
        if kind == "string_type" and isinstance(value, (int, float)):
            return f'must be {_TYPE_NAMES[kind]}; YAML read it as the number {value}: quote it, e.g. "0613"'
        return f"must be {_TYPE_NAMES[kind]} (got {got} {excerpt(value)})"
    return err["msg"]


def to_diagnostics(exc: ValidationError, prefix: str, root: Any) -> list[Diagnostic]:
    out = []
    for e in exc.errors():
        loc, message = tuple(e["loc"]), _message(e, root)
        if loc and loc[-1] == "[key]":  # pydantic's marker for a mapping's key, not its value
            loc, message = loc[:-1], f"the key {message}"
        found = _RULE_OF_KIND.get(e["type"], TYPE if e["type"] in _TYPE_NAMES else SHAPE)
        out.append(error(join_path(prefix, yaml_path(loc)) if loc else prefix.rstrip(":"), message, rule=found))
    return out

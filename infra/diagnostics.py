"""Diagnostics shared by config validation, the catalog checks and the plan."""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from infra.engine_yaml import EngineLoader, as_the_program_gets_it

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Rule:
    """A rule the plan checks, under a stable ID ``<concern>.<name>`` (e.g. ``gateway.retry-max``).

    Declared with ``rule(...)`` in the module whose check emits it, and passed to ``error``, ``warning`` or
    ``info`` there. ``docs/checks.md`` is generated from every declared rule (``python -m infra checks``)."""

    id: str
    severity: Severity
    summary: str
    """What it checks, in a sentence: the line docs/checks.md shows."""
    sources: tuple[str, ...]
    """Where the fact was read (URLs), or ``convention(why)`` for a rule this project chose."""
    module: str
    """The module that declares it, next to its check."""


RULES: dict[str, Rule] = {}
"""Every declared rule by ID, in the order the modules declared them."""
CONVENTION = "project convention"


def rule(rule_id: str, severity: Severity, summary: str, *sources: str) -> Rule:
    """Declare a rule (at module level, next to its check). An ID names one rule: declaring it twice is a
    mistake, refused at import."""
    declared = Rule(rule_id, severity, summary, sources, sys._getframe(1).f_globals.get("__name__", "?"))
    if RULES.setdefault(rule_id, declared) != declared:
        raise ValueError(f"rule {rule_id} is declared twice: in {RULES[rule_id].module} and {declared.module}")
    return declared


def convention(why: str) -> str:
    """The source of a rule this project chose rather than read from Azure: the one-line why."""
    return f"{CONVENTION}: {why}"


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    path: str
    """YAML path, e.g. ``landingZone.teams[1].models[0].capacity``."""
    message: str
    rule: str | None = None
    """The ID of the rule that found it (``docs/checks.md``); the text views leave it out."""

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message}"

    def as_dict(self) -> dict:
        out = {"severity": self.severity, "path": self.path, "message": self.message}
        return {**out, "rule": self.rule} if self.rule else out


def _rule_id(found: Rule | None, severity: Severity) -> str | None:
    if found is not None and found.severity != severity:  # a slip in the code, not in the config
        raise ValueError(f"rule {found.id} is a {found.severity} rule, emitted as {severity}")
    return found.id if found is not None else None


def error(path: str, message: str, rule: Rule | None = None) -> Diagnostic:
    return Diagnostic("error", path, message, _rule_id(rule, "error"))


def warning(path: str, message: str, rule: Rule | None = None) -> Diagnostic:
    return Diagnostic("warning", path, message, _rule_id(rule, "warning"))


def info(path: str, message: str, rule: Rule | None = None) -> Diagnostic:
    return Diagnostic("info", path, message, _rule_id(rule, "info"))


EXCERPT_CHARS = 40
"""The most of a value an error quotes. Errors reach the PR comment, which the whole repository reads: a value
read from a file is quoted in part, never whole, so no error can carry a file's content."""


def excerpt(value: Any) -> str:
    """``value`` as an error quotes it: Python's repr (control and invisible characters escaped), cut to about
    ``EXCERPT_CHARS`` characters with an ellipsis."""
    if isinstance(value, str):
        return repr(value) if len(value) <= EXCERPT_CHARS else repr(value[: EXCERPT_CHARS - 3]) + "…"
    text = repr(value)
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def did_you_mean(value: Any, choices: Iterable[str], listed_in: str | None = None) -> str:
    """The closest of ``choices`` to ``value`` as ``"did you mean X?"``; without a close one, the choices when
    they are few, else where they are listed (``listed_in``), so that no message grows to a catalog's length."""
    choices = sorted(set(choices))
    near = difflib.get_close_matches(value, choices, n=1, cutoff=0.6) if isinstance(value, str) else []
    if near:
        return f"did you mean {near[0]}?"
    listed = ", ".join(choices)
    if len(choices) <= 8 and len(listed) <= 120 or listed_in is None:
        return f"allowed: {listed}" if choices else "nothing is allowed here"
    return f"{listed_in} lists them"


def errors_in(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity == "error"]


def yaml_path(loc: Sequence[str | int]) -> str:
    """Render a location tuple as a YAML path: ``("a", "b", 1, "c")`` -> ``a.b[1].c``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not _PLAIN_KEY.fullmatch(str(part)):
            out += f"[{excerpt(part)}]"  # a key the file got wrong is quoted like any value: escaped, in part
        else:
            out += f".{part}" if out else str(part)
    return out


_PLAIN_KEY = re.compile(r"[\w$.:-]{1,64}")


def join_path(prefix: str, sub: str) -> str:
    """``landingZone.teams[0]`` + ``name``, or ``teams/x.yaml:`` + ``models[0]`` (a path inside a team file)."""
    if sub.startswith("["):
        return prefix + sub
    return f"{prefix} {sub}" if prefix.endswith(":") else f"{prefix}.{sub}"


def yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"is not valid YAML{where}: {getattr(exc, 'problem', None) or exc}"


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FILE_READABLE = rule(
    "config.file-readable",
    "error",
    "The stack file, and each team file it names, exists and can be read.",
    convention("the plan cannot check what it cannot read"),
)
FILE_SIZE = rule(
    "config.file-size",
    "error",
    "A stack or team file is at most 1 MiB.",
    convention("a larger file is a mistake, not a config: it is refused before it is parsed"),
)
FILE_ENCODING = rule(
    "config.file-encoding",
    "error",
    "A config file is UTF-8 text (UTF-16, as some Windows editors save, is named as such).",
    convention("one encoding for every config file, said plainly rather than as a YAML error"),
)
YAML_SYNTAX = rule(
    "config.yaml-syntax",
    "error",
    "A config file is valid YAML, with the line and column of the first problem.",
    "https://yaml.org/spec/1.2.2/",
)
YAML_BOUNDS = rule(
    "config.yaml-bounds",
    "error",
    "A config file nests at most 64 levels and has at most 200,000 YAML nodes, with every alias expanded.",
    convention("bounded work: deeper or larger input (an alias bomb) would exhaust the parser, and no config needs it"),
)
KEY_TYPE = rule(
    "config.key-type",
    "error",
    "Every key is a name: YAML also allows numbers, null or lists as keys.",
    convention("a config's keys are names; an unquoted number or null as a key is a slip"),
)
OUTSIDE_PROJECT = rule(
    "config.outside-project",
    "error",
    "A config file the stack names (a team file, or the stack file itself) is inside the project, links followed.",
    convention(
        "its errors are posted where the whole repository reads them (the PR comment), so a link to a file"
        " elsewhere (a credentials file on the CI runner) is never read"
    ),
)
MAX_FILE_BYTES = 1024 * 1024
"""A stack or team file larger than this is a mistake, not a config: refuse it before parsing."""
MAX_DEPTH = 64
"""Nesting a config never needs; deeper input would exhaust Python's recursion in the YAML composer."""
MAX_EVENTS = 200_000


def load_yaml(text: str):
    """Safe YAML through libyaml when present: the catalog and big stacks parse ~10x faster.

    For trusted files (the catalog); user files go through ``read_config_file``."""
    return yaml.load(text, Loader=_LOADER)


def outside_of(root: Path, path: Path) -> str | None:
    """Why ``path`` is refused when, links followed, it is not inside ``root``; None when it is inside.

    A file the config names is read, and its errors are posted where the whole repository reads them (the
    PR comment): a link from the project to a file elsewhere (a credentials file on the CI runner) must not
    be read at all. Nothing of the target is said, not even its name."""
    try:
        inside = path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a link loop, or a path the OS refuses
        return "cannot be resolved (a symbolic link loop?): make it a plain file inside the project"
    if inside:
        return None
    return (
        "is a symbolic link (or under one) to a file outside the project: it is not read; config files must"
        " be inside the project, so replace the link with the file itself"
    )


def read_config_file(path: Path, label: str) -> tuple[Any, list[Diagnostic]]:
    """A stack or team file as data, or the reason it is not one; never raises.

    Bounded work: size, nesting and node count are checked on the parser's event stream (which does not
    recurse) and on the composed graph (where aliases share nodes) before anything is built or expanded."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [
                error(label, f"is {size:,} bytes; a config file is at most {MAX_FILE_BYTES:,}", rule=FILE_SIZE)
            ]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [error(label, f"cannot be read: {exc.strerror or exc}", rule=FILE_READABLE)]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [error(label, "is UTF-16 text: save it as UTF-8", rule=FILE_ENCODING)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        why = f"is not UTF-8 text (byte {exc.start} is 0x{raw[exc.start]:02x}): save it as UTF-8"
        return None, [error(label, why, rule=FILE_ENCODING)]
    return parse_config_text(text, label)


def parse_config_text(text: str, label: str) -> tuple[Any, list[Diagnostic]]:
    """Scalars resolve as the Pulumi CLI resolves them (``infra.engine_yaml``)."""
    loader = EngineLoader(text)
    try:
        # The event stream is read without recursion: refuse deep nesting before anything recurses on it.
        depth = events = 0
        for event in yaml.parse(text, Loader=EngineLoader):
            events += 1
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    why = f"nests deeper than {MAX_DEPTH} levels: no config needs that"
                    return None, [error(label, why, rule=YAML_BOUNDS)]
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            if events > MAX_EVENTS:
                why = f"has more than {MAX_EVENTS:,} YAML nodes: no config needs that"
                return None, [error(label, why, rule=YAML_BOUNDS)]
        node = loader.get_single_node()
        # Aliases share nodes, so the composed graph is small even for an alias bomb; what it would expand to
        # is measured on the graph, before anything expands it.
        size, deep = _expanded(node)
        if size > MAX_EVENTS or deep > MAX_DEPTH:
            why = "expands (through YAML aliases) beyond any config's size: write it out"
            return None, [error(label, why, rule=YAML_BOUNDS)]
        doc = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        return None, [error(label, yaml_problem(exc), rule=YAML_SYNTAX)]
    except (RecursionError, MemoryError, ValueError, OverflowError) as exc:
        return None, [error(label, f"cannot be read as YAML: {type(exc).__name__}", rule=YAML_SYNTAX)]
    finally:
        loader.dispose()
    problems = list(_key_problems(doc, label))
    return (None, problems) if problems else (as_the_program_gets_it(doc), [])


def _expanded(root: yaml.Node | None) -> tuple[int, int]:
    """(node count, depth) of the document with every alias written out, without writing it out."""
    if root is None:
        return 0, 0
    memo: dict[int, tuple[int, int]] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in memo:
            continue
        children = _children(node)
        if not ready:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in memo)
            continue
        sizes = [memo.get(id(c), (0, 0)) for c in children]
        memo[id(node)] = (
            min(1 + sum(s for s, _ in sizes), MAX_EVENTS + 1),
            1 + max((d for _, d in sizes), default=0),
        )
    return memo[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _key_problems(value: Any, path: str):
    """YAML allows keys that are numbers, null or lists; a config's keys are names."""
    stack = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            for key, item in node.items():
                if not isinstance(key, str):
                    yield error(
                        where,
                        f"has a key {excerpt(key)} ({type(key).__name__}): keys are names; quote it if meant",
                        rule=KEY_TYPE,
                    )
                else:
                    stack.append((item, join_path(where, yaml_path([key]))))
        elif isinstance(node, list):
            stack.extend((item, f"{where}[{i}]") for i, item in enumerate(node))


def format_diagnostics(diagnostics: Iterable[Diagnostic]) -> str:
    diags = list(diagnostics)
    n = len(errors_in(diags))
    head = f"{n} configuration error{'s' if n != 1 else ''}:" if n else "diagnostics:"
    return "\n".join([head, *(f"  {d}" for d in diags)])

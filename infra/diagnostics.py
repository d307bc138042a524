"""Diagnostics shared by config validation, the catalog checks and the plan."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from infra.engine_yaml import EngineLoader, as_the_program_gets_it

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    path: str
    """YAML path, e.g. ``landingZone.teams[1].models[0].capacity``."""
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message}"

    def as_dict(self) -> dict:
        return {"severity": self.severity, "path": self.path, "message": self.message}


def error(path: str, message: str) -> Diagnostic:
    return Diagnostic("error", path, message)


def warning(path: str, message: str) -> Diagnostic:
    return Diagnostic("warning", path, message)


def info(path: str, message: str) -> Diagnostic:
    return Diagnostic("info", path, message)


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
            return None, [error(label, f"is {size:,} bytes; a config file is at most {MAX_FILE_BYTES:,}")]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [error(label, f"cannot be read: {exc.strerror or exc}")]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [error(label, "is UTF-16 text: save it as UTF-8")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [error(label, f"is not UTF-8 text (byte {exc.start} is 0x{raw[exc.start]:02x}): save it as UTF-8")]
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
                    return None, [error(label, f"nests deeper than {MAX_DEPTH} levels: no config needs that")]
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            if events > MAX_EVENTS:
                return None, [error(label, f"has more than {MAX_EVENTS:,} YAML nodes: no config needs that")]
        node = loader.get_single_node()
        # Aliases share nodes, so the composed graph is small even for an alias bomb; what it would expand to
        # is measured on the graph, before anything expands it.
        size, deep = _expanded(node)
        if size > MAX_EVENTS or deep > MAX_DEPTH:
            return None, [error(label, "expands (through YAML aliases) beyond any config's size: write it out")]
        doc = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        return None, [error(label, yaml_problem(exc))]
    except (RecursionError, MemoryError, ValueError, OverflowError) as exc:
        return None, [error(label, f"cannot be read as YAML: {type(exc).__name__}")]
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
                        where, f"has a key {excerpt(key)} ({type(key).__name__}): keys are names; quote it if meant"
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

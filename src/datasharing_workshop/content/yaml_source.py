"""Read YAML content files and turn validation failures into :class:`~.errors.Problem` s.

Facilitators edit the YAML by hand, so every message must point at a file, a line and a
field path (``channels[3].max_size``). PyYAML's node tree keeps line numbers; pydantic's
errors keep field paths; this module joins the two.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ContentError, Problem

try:  # libyaml is several times faster and is present in the PyPI wheels
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - pure-Python fallback
    _Loader = yaml.SafeLoader

PathPart = str | int

# --------------------------------------------------------------------------- scalars as written
# PyYAML follows YAML 1.1, which reads some unquoted values as something else than what a
# facilitator typed: the ZIP code 06101 becomes the octal number 3137, `yes` and `off` become
# True and False, `1:30` becomes 90 (base 60) and 2025-03-14 becomes a date. Those forms keep
# the text written in the file; the models then convert it where they expect a number, a
# yes/no or a date, so a value only changes where the field asks for that. Plain decimal
# numbers, true/false and null mean the same in YAML 1.1 and 1.2 and are read as usual.
_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(
    r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_PLAIN_BOOL = re.compile(r"true|True|TRUE|false|False|FALSE")
_SAME_IN_YAML_1_2 = {
    "tag:yaml.org,2002:int": _PLAIN_INT,
    "tag:yaml.org,2002:float": _PLAIN_FLOAT,
    "tag:yaml.org,2002:bool": _PLAIN_BOOL,
    "tag:yaml.org,2002:timestamp": None,  # always kept as written
}


class _AsWrittenLoader(_Loader):  # type: ignore[misc, valid-type]
    """The kit's loader, except that YAML 1.1's surprising scalars keep their source text."""


def _keep_as_written(tag: str, same: re.Pattern[str] | None) -> Any:
    usual = _Loader.yaml_constructors[tag]

    def construct(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
        if same is not None and same.fullmatch(node.value):
            return usual(loader, node)
        return node.value

    return construct


for _tag, _same in _SAME_IN_YAML_1_2.items():
    _AsWrittenLoader.add_constructor(_tag, _keep_as_written(_tag, _same))


def data_as_written(node: yaml.Node | None) -> Any:
    """Python data from a composed node tree, every scalar as the facilitator wrote it.

    Unquoted values that YAML 1.1 would turn into something else (``06101``, ``yes``,
    ``off``, ``1:30``, ``2025-03-14``) stay the text in the file. Models that expect a
    number, a yes/no or a date convert that text themselves (and say so, with the line,
    when it is not one); fields that expect text receive exactly what was written.
    """
    if node is None:
        return None
    loader = _AsWrittenLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load_as_written(text: str) -> Any:
    """Parse YAML text (such as a page's front matter) keeping every scalar as written."""
    return data_as_written(compose(text))


def compose(text: str) -> yaml.Node | None:
    """YAML text as a node tree, with libyaml's parser when PyYAML has it."""
    return yaml.compose(text, Loader=_Loader)


def display_path(path: Path, root: Path | None = None) -> str:
    """The path as a person would type it: relative to ``root`` (or the cwd) when inside it."""
    path = Path(path)
    for base in (root, Path.cwd()):
        if base is None:
            continue
        # The name as given first (a link is named, not its target), then resolved.
        for mine, theirs in (
            (Path(os.path.abspath(path)), Path(os.path.abspath(base))),
            (path.resolve(), Path(base).resolve()),
        ):
            try:
                return mine.relative_to(theirs).as_posix()
            except ValueError:
                continue
    return path.as_posix()


def format_field(loc: Sequence[PathPart]) -> str:
    """``("channels", 3, "max_size")`` -> ``channels[3].max_size``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file: its data plus the node tree, for line numbers."""

    path: Path
    shown_as: str
    data: Any
    root: yaml.Node | None

    def line_of(self, loc: Sequence[PathPart]) -> int | None:
        """1-based line of the value at ``loc``, or of its nearest ancestor that exists."""
        node = self.root
        line = None if node is None else node.start_mark.line + 1
        for part in loc:
            child = _child(node, part)
            if child is None:
                break
            node = child
            line = node.start_mark.line + 1
        return line

    def problem(self, loc: Sequence[PathPart], message: str) -> Problem:
        return Problem(self.shown_as, format_field(loc), message, self.line_of(loc))


def _child(node: yaml.Node | None, part: PathPart) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == part:
                return value_node
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        return node.value[part] if 0 <= part < len(node.value) else None
    return None


def _duplicate_keys(doc_path: str, node: yaml.Node | None, loc: tuple = ()) -> list[Problem]:
    """PyYAML keeps the last of two equal keys silently; a facilitator would lose an edit."""
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key == "<<":
                continue
            if key in seen:
                problems.append(
                    Problem(
                        doc_path,
                        format_field((*loc, key)),
                        f"the key '{key}' appears twice in the same block (first on line "
                        f"{seen[key]}); keep one",
                        key_node.start_mark.line + 1,
                    )
                )
            else:
                seen[key] = key_node.start_mark.line + 1
            problems += _duplicate_keys(doc_path, value_node, (*loc, key))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems += _duplicate_keys(doc_path, item, (*loc, index))
    return problems


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a file is parsed.

    A parse makes tens of thousands of nodes that all stay alive until it ends, and each
    one counts towards the next full collection, which walks every one of them again: a
    scenario file 8x longer took 20 to 40x the time. Parsing makes no reference cycles
    (aliases are refused), so nothing waits for the collector meanwhile.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def read_yaml(path: Path, root: Path | None = None) -> YamlDocument:
    """Parse one YAML file.

    Raises
    ------
    ContentError
        The file is missing, unreadable, not valid YAML, empty, or has duplicate keys.
    """
    path = Path(path)
    shown = display_path(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if path.is_symlink():
            raise ContentError(
                [
                    Problem(
                        shown,
                        "",
                        f"a symbolic link to {os.readlink(path)}, which does not exist; "
                        "replace the link with the file",
                    )
                ]
            ) from None
        raise ContentError([Problem(shown, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError([Problem(shown, "", f"cannot be read as UTF-8 text ({exc})")]) from None
    with _cyclic_gc_paused():
        return _parse(path, shown, text)


def _parse(path: Path, shown: str, text: str) -> YamlDocument:
    node = None
    try:
        node = yaml.compose(text, Loader=_Loader)
        aliases = alias_problems(shown, node)
        if aliases:
            # `*name` repeats a block written elsewhere; a few nested ones make a file of a
            # few hundred bytes expand to millions of values (a "billion laughs"), which would
            # hang validate and every kernel. Content files never need them.
            raise ContentError(aliases)
        data = data_as_written(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or "not valid YAML"
        raise ContentError(
            [Problem(shown, "", f"YAML syntax error: {what} (check indentation and colons)", line)]
        ) from None
    except yaml.YAMLError as exc:
        raise ContentError([Problem(shown, "", f"YAML syntax error: {exc}")]) from None
    except ValueError:
        # PyYAML turns 2025-02-30 into a date and fails with a bare ValueError, outside its own
        # error handling; find the impossible date for the message.
        raise ContentError(_impossible_dates(shown, node)) from None
    if data is None:
        raise ContentError([Problem(shown, "", "the file is empty; expected a YAML mapping")])
    dupes = _duplicate_keys(shown, node)
    if dupes:
        raise ContentError(dupes)
    return YamlDocument(path=path, shown_as=shown, data=data, root=node)


def alias_problems(shown: str, root: yaml.Node | None) -> list[Problem]:
    """A problem for the first YAML alias (``*name``) in the node tree, else none.

    The composed tree shares one node for an anchor and its aliases, so the walk visits each
    node once and takes time linear in the file's size even for an alias bomb.
    """
    from collections import deque

    seen: set[int] = set()
    stack: deque[tuple[yaml.Node, tuple, int]] = deque([] if root is None else [(root, (), 1)])
    while stack:  # breadth first, so the alias nearest the top is the one named
        node, loc, line = stack.popleft()
        if id(node) in seen:
            return [
                Problem(
                    shown,
                    format_field(loc),
                    "YAML aliases (*name) and merge keys (<<) are not allowed in content "
                    "files; write the value out in full",
                    line,
                )
            ]
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = key.start_mark.line + 1
                stack.append((key, loc, here))
                stack.append((value, (*loc, str(key.value)), here))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                stack.append((item, (*loc, index), item.start_mark.line + 1))
    return []


def _impossible_dates(shown: str, root: yaml.Node | None) -> list[Problem]:
    problems: list[Problem] = []

    def walk(node: yaml.Node | None, loc: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(value, (*loc, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*loc, index))
        elif isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
            try:
                yaml.SafeLoader(node.value).construct_yaml_timestamp(node)
            except ValueError as exc:
                problems.append(
                    Problem(
                        shown,
                        format_field(loc),
                        f"not a real day ({exc}), got '{node.value}'",
                        node.start_mark.line + 1,
                    )
                )

    walk(root, ())
    return problems or [Problem(shown, "", "a value cannot be read (an impossible date?)")]


def describe_input(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validation_problems(
    doc: YamlDocument, error: Any, prefix: Sequence[PathPart] = ()
) -> list[Problem]:
    """Convert a pydantic ``ValidationError`` into problems with lines and plain words."""
    problems = []
    for item in error.errors(include_url=False):
        loc = [*prefix, *[p for p in item["loc"] if not _is_union_tag(p)]]
        kind = item["type"]
        if kind == "missing":
            message = "this field is required but missing"
        elif kind == "extra_forbidden":
            message = "unknown field (check the spelling; see exercises/README.md for the fields)"
        elif kind in ("value_error", "assertion_error"):
            message = str(item["msg"]).removeprefix("Value error, ")
        else:
            text = str(item["msg"])
            message = f"{text[0].lower()}{text[1:]}, got {describe_input(item.get('input'))}"
        problems.append(doc.problem(loc, message))
    return problems


def _is_union_tag(part: PathPart) -> bool:
    # pydantic adds the member type's name ("str", "function-after[...]") to union paths
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float", "bool"})


def problems_from(items: Iterable[Problem]) -> list[Problem]:
    return sorted(items, key=lambda p: (p.file, p.line or 0, p.field))

"""JSON Schemas of the content YAML, generated from the pydantic models.

Editors that read ``# yaml-language-server: $schema=...`` lines (VS Code's YAML extension,
JetBrains IDEs, Neovim with yaml-language-server) then complete field names, show each
field's description and underline mistakes while a facilitator types, before
``datasharing-workshop validate`` runs. The schemas live with the content
(``exercises/schemas/``), so the relative paths in those lines work in the repository, in
the installed package and in a folder written by ``datasharing-workshop init``.

The models are the single source: never edit a schema by hand. After changing a model::

    python -m datasharing_workshop.cli.schemas          # or: make schemas
    python -m datasharing_workshop.cli.schemas --check  # what tests/test_schemas.py runs

This module sits with the command line because it imports models from every layer.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

SCHEMA_FOLDER = "schemas"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
MODELINE = "# yaml-language-server: $schema="
_MODELINE = re.compile(r"^# yaml-language-server: \$schema=.*\n?")


def _models() -> dict[str, tuple[str, Callable[[], dict[str, Any]]]]:
    """Schema name -> (what it describes, a function returning the JSON Schema)."""
    from ..breakouts.scenarios import BREAKOUTS
    from ..content.catalogue import CATALOGUE_FILES
    from ..handouts.config import WorkshopConfig
    from ..plenary.agenda import AgendaFile, WelcomeFile
    from ..plenary.observations import ObservationFormFile
    from ..plenary.tour import TourFile
    from ..plenary.wrap_up import WrapUpFile
    from ..reportback.prompts import ReportBackFile
    from ..reportback.simulate import SimulationFile

    out: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {}
    for file, (model, _required) in CATALOGUE_FILES.items():
        out[Path(file).stem] = (f"<jurisdiction>/{file}", model.model_json_schema)
    out["tour"] = ("<jurisdiction>/tour.yaml", TourFile.model_json_schema)
    for name, model in (
        ("agenda", AgendaFile),
        ("welcome", WelcomeFile),
        ("observations", ObservationFormFile),
        ("report_back", ReportBackFile),
        ("simulation", SimulationFile),
        ("wrap_up", WrapUpFile),
    ):
        out[f"workshop-{name}"] = (f"workshop/{name}.yaml", model.model_json_schema)
    for breakout_id, breakout in BREAKOUTS.items():
        out[f"scenarios-{breakout_id}"] = (
            f"<jurisdiction>/scenarios/<set>/{breakout_id}.yaml",
            _scenario_file_schema(breakout.model),
        )
    out["workshop"] = ("workshop.yml", WorkshopConfig.model_json_schema)
    return out


def _scenario_file_schema(model: Any) -> Callable[[], dict[str, Any]]:
    def schema() -> dict[str, Any]:
        item = model.model_json_schema(ref_template="#/$defs/{model}")
        defs = item.pop("$defs", {})
        defs[model.__name__] = item
        return {
            "type": "object",
            "additionalProperties": False,
            "required": ["scenarios"],
            "properties": {
                "scenarios": {
                    "type": "array",
                    "description": "the breakout's scenarios, in the order groups see them",
                    "items": {"$ref": f"#/$defs/{model.__name__}"},
                }
            },
            "$defs": defs,
        }

    return schema


def schema_documents() -> dict[str, str]:
    """File name (``channels.schema.json``) -> its text, as committed."""
    out = {}
    for name, (describes, make) in sorted(_models().items()):
        schema = {"$schema": SCHEMA_DIALECT, "$comment": _comment(describes), **make()}
        out[f"{name}.schema.json"] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    return out


def _comment(describes: str) -> str:
    return (
        f"Schema of {describes}, generated from the kit's models by "
        "`python -m datasharing_workshop.cli.schemas`; do not edit by hand."
    )


def schema_for(relative: str) -> str | None:
    """The schema name for a content file, by its path under the content folder."""
    parts = relative.split("/")
    names = set(_models())
    if parts == ["messages.yaml"]:
        return "messages"
    if len(parts) == 2 and parts[0] == "workshop":
        name = f"workshop-{Path(parts[1]).stem}"
        return name if name in names else None
    if len(parts) == 2 and Path(parts[1]).stem in names:
        return Path(parts[1]).stem
    if len(parts) == 4 and parts[1] == "scenarios":
        name = f"scenarios-{Path(parts[3]).stem}"
        return name if name in names else None
    return None


def schema_lines(content: Path, config: Path | None = None) -> dict[Path, str]:
    """Each YAML file under ``content`` (and ``config``) -> the modeline it should start with."""
    out: dict[Path, str] = {}
    for path in sorted(content.rglob("*.yaml")):
        relative = path.relative_to(content).as_posix()
        name = schema_for(relative)
        if name is None:
            continue
        target = content / SCHEMA_FOLDER / f"{name}.schema.json"
        up = "../" * (len(relative.split("/")) - 1)
        out[path] = f"{MODELINE}{up}{target.relative_to(content).as_posix()}"
    if config is not None:
        rel = (content / SCHEMA_FOLDER / "workshop.schema.json").relative_to(config.parent)
        out[config] = f"{MODELINE}{rel.as_posix()}"
    return out


def with_modeline(text: str, line: str) -> str:
    return f"{line}\n{_MODELINE.sub('', text, count=1)}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m datasharing_workshop.cli.schemas",
        description="Write exercises/schemas/*.schema.json from the models, and the "
        "`# yaml-language-server: $schema=` line at the top of each content file.",
    )
    parser.add_argument("--content", type=Path, default=Path("exercises"), metavar="DIR")
    parser.add_argument("--config", type=Path, default=Path("workshop.yml"), metavar="FILE")
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if anything is out of date"
    )
    args = parser.parse_args(argv)
    stale: list[str] = []
    folder = args.content / SCHEMA_FOLDER
    wanted = schema_documents()
    for name, text in wanted.items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(path.as_posix())
            if not args.check:
                folder.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8", newline="\n")
    for path in sorted(folder.glob("*.schema.json")):
        if path.name not in wanted:
            stale.append(f"{path.as_posix()} (no model any more)")
            if not args.check:
                path.unlink()
    config = args.config if args.config.is_file() else None
    for path, line in schema_lines(args.content, config).items():
        text = path.read_text(encoding="utf-8")
        if not text.startswith(line + "\n"):
            stale.append(f"{path.as_posix()} (first line: {line})")
            if not args.check:
                path.write_text(with_modeline(text, line), encoding="utf-8", newline="\n")
    if stale:
        verb = "out of date" if args.check else "updated"
        print(f"{len(stale)} {verb}:", *stale, sep="\n  ", file=sys.stderr)
        if args.check:
            print("run: python -m datasharing_workshop.cli.schemas", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

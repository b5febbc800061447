"""``workshop.yml``: one workshop's facts, as the handout builder needs them.

Checked like the content files: every problem is reported at once, each with
``file:line: field: expected ..., got ...``. Paths inside the file (``store_path``,
``notebook_folder``) are relative to the file's own folder, so the config works from
whichever folder ``datasharing-workshop build`` is started in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from ..content.catalogue import available_jurisdictions, content_root
from ..content.dates import DATE_STYLES, DEFAULT_DATE_STYLE, DateStyle
from ..content.models import Id, Text
from ..content.yaml_source import YamlDocument, display_path, read_yaml, validation_problems
from ..errors import ContentError, InputError, Problem
from ..text_safety import clean_text

DEFAULT_CONFIG = Path("workshop.yml")

#: Names Windows keeps for devices: a folder called ``con`` or ``com1`` cannot be created
#: (or copied onto a USB stick from a Windows machine), whatever its letter case.
WINDOWS_RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{n}" for n in range(1, 10)}
    | {f"lpt{n}" for n in range(1, 10)}
)


def _not_reserved_on_windows(value: str) -> str:
    if value.lower() in WINDOWS_RESERVED_NAMES:
        raise ValueError(
            f"'{value}' cannot be a folder name on Windows (CON, PRN, AUX, NUL, COM1-COM9 and "
            "LPT1-LPT9 are kept for devices); choose another slug"
        )
    return value


Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60),
    AfterValidator(_not_reserved_on_windows),
    Field(description="folder name for the group's handouts: lowercase letters, digits, -"),
]


def _clean_name(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value


#: A name a person typed (title, host agency, facilitator, group): right-to-left overrides,
#: isolates and control characters are removed as the file is read, so no handout, banner
#: or start page can show it reordered (``Group A`` as ``A puorG``) or hide part of it.
Name = Annotated[Text, BeforeValidator(_clean_name)]


def slugify(name: str) -> str:
    """``"Group A"`` -> ``"group-a"``; ``"Équipe 2"`` -> ``"equipe-2"``.

    A name Windows keeps for a device gets ``-group`` added: ``"Con"`` -> ``"con-group"``.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60]
    if slug in WINDOWS_RESERVED_NAMES:
        slug += "-group"
    return slug


class GroupEntry(BaseModel):
    """One breakout group: ``- Group A`` or ``- {name: Équipe B, slug: equipe-b}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name = Field(description="the group's name, as the notebooks save answers under it")
    slug: Slug | None = Field(None, description="folder name; made from the name when omitted")

    @property
    def folder(self) -> str:
        return self.slug or slugify(self.name)


class WorkshopConfig(BaseModel):
    """The fields of ``workshop.yml`` (see the example at the repository root)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    workshop_id: Id = Field(
        description="the name answers are saved under in the answer store, e.g. opm-2025-03"
    )
    title: Name = Field(description="printed at the top of every handout")
    date: dt.date = Field(description="day of the workshop, as an ISO date: 2025-03-14")
    date_format: DateStyle = Field(
        DEFAULT_DATE_STYLE,
        description="how handouts print dates: "
        + "; ".join(f"{k}: {v}" for k, v in DATE_STYLES.items()),
    )
    host_agency: Name = Field(description="the agency hosting the workshop")
    facilitators: list[Name] = Field(min_length=1, description="facilitators' names")
    groups: list[GroupEntry] = Field(min_length=1, description="breakout groups")
    jurisdiction: Id = Field(description="catalogue folder under exercises/, e.g. ct")
    scenario_set: Id = Field("standard", description="scenario folder the breakouts read")
    store_path: str | None = Field(
        None,
        description=(
            "answer store file, relative to this file; default: $DATASHARING_WORKSHOP_STORE "
            "or the user data folder"
        ),
    )
    notebook_folder: str = Field("notebooks", description="folder of the workshop notebooks")
    guide_folder: str = Field(
        "facilitator_guide", description="folder of the facilitator guide (built if present)"
    )
    notebooks: list[Annotated[str, StringConstraints(min_length=1)]] | None = Field(
        None,
        description="notebook names (without .ipynb) to build, in order; default: all",
    )

    @field_validator("date", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        # YAML reads 2025-03-14 as a date already; anything else gets a message a person can
        # act on rather than pydantic's "invalid character in year".
        if isinstance(value, dt.datetime):
            raise ValueError(f"expected a date without a time, such as 2025-03-14, got {value}")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError as exc:
                raise ValueError(f"not a real day ({exc}), got {value!r}") from None
        raise ValueError(f"expected an ISO date such as 2025-03-14 (year-month-day), got {value!r}")

    @field_validator("groups", mode="before", json_schema_input_type=list[Text | GroupEntry])
    @classmethod
    def _group_names(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"name": item} if isinstance(item, str) else item for item in value]
        return value


@dataclass(frozen=True)
class Workshop:
    """A checked ``workshop.yml`` plus the paths it resolves to."""

    config: WorkshopConfig
    path: Path
    shown_as: str
    notebook_folder: Path
    #: The facilitator guide's folder; the facilitator handouts include it when it exists.
    guide_folder: Path
    #: The store the notebooks and the group handouts read (it may not exist yet).
    store_path: Path

    @property
    def groups(self) -> list[GroupEntry]:
        return list(self.config.groups)

    def select_groups(self, wanted: list[str] | None) -> list[GroupEntry]:
        """The groups named on the command line (by name or folder name), else all.

        Raises
        ------
        InputError
            A name matches no group in the config.
        """
        if not wanted:
            return self.groups
        chosen = []
        for name in wanted:
            match = next(
                (
                    g
                    for g in self.groups
                    if name in (g.name, g.folder) or name.casefold() == g.name.casefold()
                ),
                None,
            )
            if match is None:
                known = ", ".join(f"'{g.name}'" for g in self.groups)
                raise InputError(f"unknown group '{name}': {self.shown_as} lists {known}")
            if match not in chosen:
                chosen.append(match)
        return chosen


def load_workshop(path: Path | str = DEFAULT_CONFIG) -> Workshop:
    """Read and check a workshop config.

    Raises
    ------
    ContentError
        Listing every problem with file, line and field.
    """
    path = Path(path)
    doc = _read(path)
    if not isinstance(doc.data, dict):
        raise ContentError([doc.problem((), "expected a YAML mapping (key: value lines)")])
    try:
        config = WorkshopConfig.model_validate(doc.data)
    except ValidationError as exc:
        raise ContentError([_config_wording(p) for p in validation_problems(doc, exc)]) from None
    problems = _cross_check(doc, config)
    if problems:
        raise ContentError(problems)

    from ..errors import StoreError
    from ..store import is_store_url, resolve_store_path  # stdlib only; keeps config light

    base = path.resolve().parent
    chosen = config.store_path
    if chosen and not is_store_url(chosen):  # a file is relative to workshop.yml; a URL is not
        chosen = os.fspath(base / Path(chosen).expanduser())
    try:
        store = resolve_store_path(chosen or None, from_config=False)
    except StoreError as exc:
        if not config.store_path:
            raise  # from $DATASHARING_WORKSHOP_STORE, which the message names
        raise ContentError([doc.problem(("store_path",), str(exc))]) from None
    return Workshop(
        config=config,
        path=path,
        shown_as=doc.shown_as,
        notebook_folder=(base / config.notebook_folder).resolve(),
        guide_folder=(base / config.guide_folder).resolve(),
        store_path=store.absolute(),
    )


def _read(path: Path) -> YamlDocument:
    return read_yaml(path)


def _config_wording(problem: Problem) -> Problem:
    """validation_problems words "unknown field" for content files; point at these fields."""
    if not problem.message.startswith("unknown field"):
        return problem
    name = problem.field.rsplit(".", 1)[-1]
    fields = list(WorkshopConfig.model_fields)
    if "." in problem.field and problem.field.startswith("groups["):
        fields = list(GroupEntry.model_fields)
    close = difflib.get_close_matches(name, fields, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return dataclasses.replace(
        problem, message=f"unknown field{hint}; expected one of: {', '.join(fields)}"
    )


def _cross_check(doc: YamlDocument, config: WorkshopConfig) -> list[Problem]:
    problems: list[Problem] = []

    known = available_jurisdictions()
    if config.jurisdiction not in known:
        problems.append(
            doc.problem(
                ("jurisdiction",),
                f"unknown jurisdiction '{config.jurisdiction}'; expected one of: "
                f"{', '.join(known) or f'none (no catalogue folders in {content_root()})'}",
            )
        )
    else:
        # A jurisdiction with no scenarios yet is allowed: breakout notebooks then fail
        # with the missing scenario file named.
        scenarios = content_root() / config.jurisdiction / "scenarios"
        sets = (
            sorted(p.name for p in scenarios.iterdir() if p.is_dir()) if scenarios.is_dir() else []
        )
        if sets and config.scenario_set not in sets:
            problems.append(
                doc.problem(
                    ("scenario_set",),
                    f"unknown scenario set '{config.scenario_set}'; "
                    f"{display_path(scenarios)} has: {', '.join(sets)}",
                )
            )

    seen_names: dict[str, int] = {}
    seen_folders: dict[str, int] = {}
    for index, group in enumerate(config.groups):
        key = group.name.casefold()
        if key in seen_names:
            first = seen_names[key]
            problems.append(
                doc.problem(
                    ("groups", index),
                    f"duplicate group '{group.name}': the same name as "
                    f"'{config.groups[first].name}' (groups[{first}]); group names must be "
                    "unique (letter case is ignored)",
                )
            )
            continue
        seen_names[key] = index
        folder = group.folder
        if not folder:
            problems.append(
                doc.problem(
                    ("groups", index),
                    f"cannot make a folder name from '{group.name}'; write it as "
                    f"{{name: {group.name}, slug: group-1}}",
                )
            )
        elif folder in seen_folders:
            other = config.groups[seen_folders[folder]].name
            problems.append(
                doc.problem(
                    ("groups", index),
                    f"group '{group.name}' would share the folder '{folder}' with '{other}' "
                    f"(groups[{seen_folders[folder]}]); rename one or give it a slug",
                )
            )
        else:
            seen_folders[folder] = index

    base = doc.path.resolve().parent
    folder = base / config.notebook_folder
    if not folder.is_dir():
        problems.append(
            doc.problem(
                ("notebook_folder",),
                f"no notebook folder at {display_path(folder)}",
            )
        )
    elif config.notebooks is not None:
        seen: set[str] = set()
        for index, name in enumerate(config.notebooks):
            stem = name.removesuffix(".ipynb")
            if stem in seen:
                problems.append(doc.problem(("notebooks", index), f"'{name}' is listed twice"))
            elif not (folder / f"{stem}.ipynb").is_file():
                found = sorted(p.stem for p in folder.glob("*.ipynb"))
                close = difflib.get_close_matches(stem, found, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.append(
                    doc.problem(
                        ("notebooks", index),
                        f"no notebook {display_path(folder / (stem + '.ipynb'))}{hint}",
                    )
                )
            seen.add(stem)
    return problems

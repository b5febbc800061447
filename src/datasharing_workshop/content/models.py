"""The shape of a jurisdiction's catalogue: one pydantic model per kind of YAML entry.

Every entry carries ``source``: the id of the playbook section it comes from (listed in
``jurisdiction.yaml``), so a facilitator can trace each fact and a maintainer can update it
when the playbook changes. Models are frozen: the rules engine never changes content.

The field descriptions double as the reference for people writing YAML
(``exercises/README.md`` points here).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ..errors import InputError
from .sizes import parse_size

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=60),
    Field(description="a short lowercase id: letters, digits, _ or -"),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Source = Annotated[Id, Field(description="id of the playbook section this fact comes from")]
Basis = Annotated[
    Literal["playbook", "kit"],
    Field(
        description="playbook: the playbook says it (at `source`); kit: a rule of thumb of this "
        "workshop that the playbook does not state (`source` is the nearest section)"
    ),
]


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- jurisdiction.yaml -----------------------------------------------------------------------


class PlaybookInfo(Entry):
    title: Text
    version: Text
    url: Text = Field(description="where the playbook is published")
    repository: str = Field("", description="where feedback on the playbook goes (issues)")


class Section(Entry):
    id: Id
    title: Text = Field(description="chapter › heading, as the playbook prints it")
    page: Text = Field(description="the playbook page (file) the section is on")
    url: Text


class Settings(Entry):
    quasi_identifiers_together: int = Field(
        2, ge=2, description="how many quasi-identifiers in one dataset make it identify people"
    )
    min_cell_size: int = Field(
        5, ge=2, le=50, description="smallest count that may be published (suppression threshold)"
    )
    min_cell_size_source: Source = "aggregating-data"


class Jurisdiction(Entry):
    id: Id
    name: Text
    example: bool = Field(False, description="true for an invented, illustrative jurisdiction")
    extends: Id | None = Field(
        None, description="another jurisdiction whose files and sections this one reuses"
    )
    summary: Text
    playbook: PlaybookInfo | None = None
    sections: list[Section] = []
    settings: Settings = Settings()


# --- categories.yaml -------------------------------------------------------------------------


class Level(Entry):
    id: Id
    label: Text
    meaning: Text = Field(description="what this level means for sharing, in plain words")
    source: Source
    basis: Basis


class Combination(Entry):
    counts_as: Id = Field(description="category a dataset counts as when enough of these meet")


class Category(Entry):
    id: Id
    name: Text
    short: Text = Field(description="short label for buttons and tables")
    level: Id = Field(description="sensitivity level id from `levels`")
    parent: Id | None = Field(None, description="the wider category this is a subset of")
    definition: Text
    examples: list[Text] = Field(min_length=1)
    combination: Combination | None = Field(
        None, description="set for quasi-identifiers: harmless alone, identifying together"
    )
    source: Source
    basis: Basis


class CategoriesFile(Entry):
    levels: list[Level] = Field(min_length=2, description="from least to most sensitive")
    categories: list[Category] = Field(min_length=1)


# --- governing_rules.yaml --------------------------------------------------------------------


class GoverningRule(Entry):
    id: Id
    name: Text
    full_name: Text
    covers: list[Id] = Field(min_length=1, description="category ids this rule governs")
    summary: Text
    source: Source
    basis: Basis


class GoverningRulesFile(Entry):
    governing_rules: list[GoverningRule] = Field(min_length=1)


# --- channels.yaml ---------------------------------------------------------------------------


class Size(Entry):
    """A size limit as written in YAML: ``35 MB``, ``unlimited`` or ``varies``."""

    kind: Literal["fixed", "unlimited", "varies"]
    max_bytes: int | None = None
    text: str

    @classmethod
    def parse(cls, value: object) -> Size:
        if isinstance(value, Size):
            return value
        if isinstance(value, str) and value.strip().lower() in ("unlimited", "varies"):
            kind = value.strip().lower()
            return cls(kind=kind, text=kind)  # type: ignore[arg-type]
        try:
            size = parse_size(value)  # type: ignore[arg-type]
        except InputError as exc:
            raise ValueError(f"{exc}, or 'unlimited' or 'varies'") from None
        if size <= 0:
            raise ValueError(f"expected a positive size, got {value!r}")
        return cls(kind="fixed", max_bytes=size, text=str(value))


#: A size as written in YAML (for the JSON Schema editors read).
SizeText = Annotated[
    str,
    Field(
        description="a size such as 35 MB or 1.5 GB (decimal units), or unlimited, or varies",
        examples=["35 MB", "1.5 GB", "unlimited", "varies"],
    ),
]


class Recipient(Entry):
    id: Id
    label: Text
    description: Text
    source: Source
    basis: Basis


class SizeLimit(Entry):
    max_size: Size
    recipients: list[Id] | None = Field(None, description="recipient ids; omit for everyone")
    note: str = ""

    # The schema shows what people write ("35 MB", "unlimited"), not the parsed Size.
    @field_validator("max_size", mode="before", json_schema_input_type=SizeText)
    @classmethod
    def _size(cls, value: object) -> Size:
        return Size.parse(value)


class Channel(Entry):
    id: Id
    name: Text
    short: Text
    secure: bool = Field(description="true for channels approved for non-public data")
    max_level: Id = Field(description="the most sensitive level this channel may carry")
    recipients: list[Id] = Field(min_length=1, description="recipient ids it can reach")
    limits: list[SizeLimit] = Field(min_length=1)
    notify_it_over: Size | None = Field(None, description="tell IT before sending more than this")
    retention_days: int | None = Field(None, gt=0, description="files are purged after this")
    setup: str = Field("", description="who sets the channel up before first use")
    preference: int = Field(description="lower is tried first when several channels are allowed")
    notes: str = ""
    source: Source
    basis: Basis

    @field_validator("notify_it_over", mode="before", json_schema_input_type=SizeText | None)
    @classmethod
    def _notify(cls, value: object) -> Size | None:
        return None if value is None else Size.parse(value)


StepCondition = Literal[
    "deidentifiable",  # the request can be met without identifying people
    "non_public",  # the data is more sensitive than public
    "over_notice_threshold",  # the file is larger than the channel's notify_it_over
    "channel_setup",  # the channel has a `setup` text
    "channel_purges",  # the channel has `retention_days`
]


class Step(Entry):
    id: Id
    text: Text = Field(description="template; may use {channel}, {days}, {threshold}, {setup}")
    applies_when: StepCondition
    source: Source
    basis: Basis


class ChannelsFile(Entry):
    recipients: list[Recipient] = Field(min_length=1)
    channels: list[Channel] = Field(min_length=1)
    steps: list[Step] = Field(min_length=1)


# --- agreements.yaml -------------------------------------------------------------------------


class Range(Entry):
    min: int | None = None
    max: int | None = None


Condition = bool | str | list[str] | Range


class FitRule(Entry):
    when: dict[str, Condition] = Field(min_length=1, description="situation field -> value(s)")
    reason: Text
    consider_only: bool = Field(False, description="a suggestion, not part of the answer key")
    basis: Basis


class Requester(Entry):
    id: Id
    label: Text
    recipient: Id = Field(description="the recipient kind (channels.yaml) this requester is")
    source: Source
    basis: Basis


class Agreement(Entry):
    id: Id
    abbreviation: Text
    name: Text
    summary: Text
    fits: list[FitRule] = Field(min_length=1)
    works_with: list[Id] = []
    source: Source


class WorksTogether(Entry):
    agreements: list[Id] = Field(min_length=2)
    explanation: Text
    source: Source
    basis: Basis


class AgreementsFile(Entry):
    requesters: list[Requester] = Field(min_length=1)
    agreements: list[Agreement] = Field(min_length=1)
    works_together: list[WorksTogether] = []


# --- roles.yaml and request_form.yaml --------------------------------------------------------


class Role(Entry):
    id: Id
    name: Text
    does: Text
    ask_them_about: list[Text] = Field(min_length=1)
    source: Source
    basis: Basis


class RolesFile(Entry):
    roles: list[Role] = Field(min_length=1)


class MustMention(Entry):
    label: Text = Field(description="what is missing, in words: 'a time period'")
    patterns: list[Text] = Field(min_length=1, description="regular expressions, any may match")
    hint: Text


class VaguePhrase(Entry):
    phrase: Text
    hint: Text


class RequestQuestion(Entry):
    id: Id
    question: Text
    help: Text = Field(description="what a good answer looks like")
    min_words: int = Field(3, ge=1)
    vague_phrases: list[VaguePhrase] = []
    must_mention: list[MustMention] = []
    source: Source
    basis: Basis


class RequestFormFile(Entry):
    questions: list[RequestQuestion] = Field(min_length=1)


# --- messages.yaml ---------------------------------------------------------------------------


class MessagesFile(Entry):
    """Sentence templates the rules engine fills in; keys are fixed, wording is the state's."""

    messages: dict[Id, Text]

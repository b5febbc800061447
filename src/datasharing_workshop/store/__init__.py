"""The answer store: every group's answers and every observer's notes.

One class, :class:`AnswerStore`, in front of two backends: an SQLite file (the embedded
default, for one machine) or a PostgreSQL database named by a ``postgresql://`` URL (for a
hub, where each participant's server runs on its own disk). Both keep the same tables and
version, save one answer per transaction, and keep every attempt.

Modules: :mod:`.records` (what is saved), :mod:`.location` (where the store is),
:mod:`.schema` (tables and upgrades), :mod:`.backend` (the backend interface),
:mod:`.sqlite` and :mod:`.postgresql` (the backends), :mod:`.answer_store` (the class),
:mod:`.export` (CSV, JSON, HTML) and :mod:`.merge` (``answers merge``).
"""

from __future__ import annotations

from .answer_store import AnswerStore
from .export import (
    ANSWER_COLUMNS,
    OBSERVATION_COLUMNS,
    answers_table_html,
    export_answers,
    export_observations,
)
from .location import ENV_VAR, StoreURL, is_store_url, resolve_store_path
from .merge import MergeReport, merge_stores
from .records import SEVERITIES, AnswerRecord, Observation
from .schema import APPLICATION_ID, SCHEMA_VERSION
from .sqlite import BUSY_TIMEOUT_SECONDS

__all__ = [
    "ANSWER_COLUMNS",
    "APPLICATION_ID",
    "BUSY_TIMEOUT_SECONDS",
    "ENV_VAR",
    "OBSERVATION_COLUMNS",
    "SCHEMA_VERSION",
    "SEVERITIES",
    "AnswerRecord",
    "AnswerStore",
    "MergeReport",
    "Observation",
    "StoreURL",
    "answers_table_html",
    "export_answers",
    "export_observations",
    "is_store_url",
    "merge_stores",
    "resolve_store_path",
]

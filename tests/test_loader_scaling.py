"""Every content loader takes time linear in the size of its input (issue 15: "nothing hangs
on bad content ... every loader linear in the size of its input").

Each loader gets an input of size n and one of size 8n, made from the shipped files (their
lists repeated with new ids, their texts lengthened). The CPU time of each (process_time,
so other work on the machine does not count) is measured three times and the medians
compared: linear work gives about 8, quadratic about 64. The bound, 30, is a ratio within
one run, never a wall-clock limit.
"""

from __future__ import annotations

import csv
import itertools
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
EXERCISES = REPO / "exercises"
FACTOR = 8
#: Linear: ~8; quadratic: ~64.
MAX_RATIO = 30
_fresh = itertools.count()


class _NoAliases(yaml.SafeDumper):
    """Writes a value shared by two copies out twice: content files may not use aliases."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def dump(path: Path, data: object) -> None:
    text = yaml.dump(data, Dumper=_NoAliases, sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")


def repeated(items: list[dict], times: int, key: str = "id") -> list[dict]:
    """``items`` ``times`` over, each copy's ``key`` made unique (``name`` too, if any)."""
    out = []
    for n in range(times):
        for item in items:
            copy = dict(item)
            if n:
                copy[key] = f"{item[key]}-{n}"
                if isinstance(copy.get("name"), str) and key != "name":
                    copy["name"] = f"{item['name']} {n}"
            out.append(copy)
    return out


def median_cpu(run: Callable[[], object]) -> float:
    times = []
    for _ in range(3):
        started = time.process_time()
        run()
        times.append(time.process_time() - started)
    return statistics.median(times)


@pytest.fixture
def content(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "exercises"
    shutil.copytree(EXERCISES, root)
    monkeypatch.setenv("DATASHARING_WORKSHOP_CONTENT", str(root))
    return root


# Each case: (content root, size multiplier) -> a function that loads that input once,
# from a file path never loaded before (the loaders cache by path and modification time).


def catalogue_roles(root: Path, size: int) -> Callable[[], object]:
    from datasharing_workshop.content.catalogue import load_catalogue

    base = yaml.safe_load((EXERCISES / "ct" / "roles.yaml").read_text(encoding="utf-8"))
    folder = root / f"cat{size}"
    shutil.copytree(root / "ct", folder)
    (folder / "jurisdiction.yaml").write_text(
        (root / "ct" / "jurisdiction.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    dump(folder / "roles.yaml", {"roles": repeated(base["roles"], 40 * size)})

    def load() -> object:
        (folder / "roles.yaml").touch()  # a new stamp: really read again
        return load_catalogue(folder)

    return load


def messages_text(root: Path, size: int) -> Callable[[], object]:
    from datasharing_workshop.content.catalogue import load_catalogue

    data = yaml.safe_load((EXERCISES / "messages.yaml").read_text(encoding="utf-8"))
    padding = " Read the playbook section again." * (150 * size)
    data["messages"] = {k: v + padding for k, v in data["messages"].items()}
    dump(root / "messages.yaml", data)

    def load() -> object:
        (root / "messages.yaml").touch()
        return load_catalogue("ct")

    return load


def scenarios(root: Path, size: int) -> Callable[[], object]:
    from datasharing_workshop.breakouts.scenarios import load_scenarios

    path = root / "ct" / "scenarios" / "standard" / "classify_data.yaml"
    base = yaml.safe_load((EXERCISES / path.relative_to(root)).read_text(encoding="utf-8"))
    dump(path, {**base, "scenarios": repeated(base["scenarios"], 5 * size)})

    def load() -> object:
        path.touch()
        return load_scenarios("classify_data")

    return load


def people_csv(root: Path, size: int) -> Callable[[], object]:
    from datasharing_workshop.rules.deidentification import load_people

    with (EXERCISES / "data" / "people.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:1001]
    names = []

    def load() -> object:
        name = f"people-{size}-{next(_fresh)}.csv"
        with (root / "data" / name).open("w", encoding="utf-8", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(header)
            for n in range(size):
                out.writerows([f"Q{n:03d}{r[0]}", *r[1:]] for r in body)
        names.append(name)
        return load_people(name)

    return load


def workshop_yml(root: Path, size: int) -> Callable[[], object]:
    from datasharing_workshop.handouts.config import load_workshop

    (root.parent / "notebooks").mkdir(exist_ok=True)
    groups = [f"Group {n}" for n in range(200 * size)]
    facilitators = [f"Facilitator {n}" for n in range(50 * size)]

    def load() -> object:
        path = root.parent / f"workshop-{size}-{next(_fresh)}.yml"
        dump(
            path,
            {
                "workshop_id": "scaling",
                "title": "Scaling",
                "date": "2025-03-14",
                "host_agency": "Office of Policy and Management",
                "facilitators": facilitators,
                "groups": groups,
                "jurisdiction": "ct",
            },
        )
        return load_workshop(path)

    return load


def agenda(root: Path, size: int) -> Callable[[], object]:
    from datasharing_workshop.plenary.agenda import load_agenda

    base = yaml.safe_load((EXERCISES / "workshop" / "agenda.yaml").read_text(encoding="utf-8"))
    data = {**base, "facilitation_roles": repeated(base["facilitation_roles"], 10 * size)}

    def load() -> object:
        path = root / "workshop" / f"agenda-{size}-{next(_fresh)}.yaml"
        dump(path, data)
        return load_agenda(path)

    return load


LOADERS = {
    "catalogue_roles": catalogue_roles,
    "messages_text": messages_text,
    "scenarios": scenarios,
    "people_csv": people_csv,
    "workshop_yml": workshop_yml,
    "agenda": agenda,
}


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_loader_time_grows_linearly_with_its_input(name, content):
    make = LOADERS[name]
    small = make(content, 1)
    small()  # the first load imports and warms what every load shares
    t_small = median_cpu(small)
    large = make(content, FACTOR)
    t_large = median_cpu(large)
    ratio = t_large / max(t_small, 1e-3)
    print(f"{name}: {t_small * 1000:.0f} ms -> {t_large * 1000:.0f} ms, {ratio:.1f}x")
    assert ratio < MAX_RATIO, (
        f"{name}: {FACTOR}x the input took {ratio:.0f}x the CPU time "
        f"({t_small * 1000:.0f} ms -> {t_large * 1000:.0f} ms): worse than linear"
    )

"""``datasharing-workshop advise``: the playbook's verdict on a "what if" from the room.

datasharing-workshop advise transfer --data phi,pii --size 3GB --to agency
datasharing-workshop advise agreement --data phi --requester contractor --contractor-handles-phi
datasharing-workshop advise request answers.yaml
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "advise",
        help="answer 'what if' questions with the playbook's rules",
        description="Apply the catalogue's rules to a transfer, an agreement or a data request.",
    )
    sub = parser.add_subparsers(dest="topic", metavar="TOPIC", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--jurisdiction", default="ct", help="catalogue to use (default: ct)")
        p.add_argument("--json", action="store_true", help="print JSON for other programs")

    t = sub.add_parser("transfer", help="which channels may carry a file, and what to do first")
    t.add_argument("--data", required=True, help="category ids, comma-separated: phi,pii")
    t.add_argument("--size", required=True, help="file size: 40MB, 3GB, 1.5 GB")
    t.add_argument("--to", required=True, dest="recipient", help="recipient: agency|partner|public")
    t.add_argument(
        "--deidentified-ok",
        action="store_true",
        help="the request can be met without knowing who anyone is",
    )
    common(t)
    t.set_defaults(run=run_transfer)

    a = sub.add_parser("agreement", help="which legal agreements fit a data share")
    a.add_argument("--data", required=True, help="category ids, comma-separated: pii,phi")
    a.add_argument(
        "--requester",
        required=True,
        help="agency|researcher|contractor|nonprofit|public (see agreements.yaml)",
    )
    a.add_argument("--ongoing", action="store_true", help="an ongoing relationship (default: once)")
    a.add_argument(
        "--varying",
        action="store_true",
        help="ongoing transfers whose parameters differ from one to the next",
    )
    a.add_argument("--parties", type=str, default="2", help="agencies/organizations involved")
    a.add_argument("--contractor-handles-phi", action="store_true")
    a.add_argument(
        "--needs-identities", action="store_true", help="the requester must know who each person is"
    )
    a.add_argument("--basis", default="none", help="none|grant|service_contract")
    common(a)
    a.set_defaults(run=run_agreement)

    r = sub.add_parser("request", help="is a data request complete? (answers in a YAML file)")
    r.add_argument("answers", help="YAML file mapping question ids to answers")
    common(r)
    r.set_defaults(run=run_request)


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def _emit(args: argparse.Namespace, payload: dict[str, Any], lines: list[str]) -> None:
    if args.json:
        json.dump(payload, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print("\n".join(lines))


def run_transfer(args: argparse.Namespace) -> int:
    from ...content.catalogue import load_catalogue
    from ...content.sizes import format_size
    from ...rules.reasons import with_basis
    from ...rules.transfer import advise_transfer, make_transfer, no_channel_reason

    cat = load_catalogue(args.jurisdiction)
    transfer = make_transfer(
        cat, _split(args.data), args.size, args.recipient, deidentified_ok=args.deidentified_ok
    )
    advice = advise_transfer(cat, transfer)
    lines = [
        f"{format_size(transfer.size_bytes)} of {', '.join(transfer.categories)} to "
        f"{cat.recipients[transfer.recipient].label} ({cat.jurisdiction.name})",
        f"Sensitivity: {advice.sensitivity.level.label}",
        "",
    ]
    if advice.best:
        best = cat.message("channel_best", channel=advice.best.channel.name)
        lines.append(with_basis(cat, "kit", best))  # the order of preference is the kit's
        steps = [f"  {i}. {s.reason.text}" for i, s in enumerate(advice.best.steps, 1)]
        if not steps:  # public data: say so rather than leave "Before sending:" empty
            none = cat.message("steps_none") if advice.sensitivity.is_public else "No steps."
            steps = ["  " + none]
        lines += ["Before sending:", *steps]
    else:
        lines.append(no_channel_reason(cat, advice).text)
    for verdict in advice.verdicts:
        mark = "ALLOWED" if verdict.allowed else "REFUSED"
        lines.append(f"\n[{mark}] {verdict.channel.name}")
        for r in (*verdict.reasons, *verdict.warnings):
            lines.append(f"  - {r.text}\n    (Playbook: {r.section_title})")
    payload = {
        "jurisdiction": cat.id,
        "transfer": {
            "categories": list(transfer.categories),
            "size_bytes": transfer.size_bytes,
            "recipient": transfer.recipient,
            "deidentified_ok": transfer.deidentified_ok,
        },
        "sensitivity": advice.sensitivity.level.id,
        "best": advice.best.channel.id if advice.best else None,
        "channels": [
            {
                "id": v.channel.id,
                "allowed": v.allowed,
                "reasons": [r.as_dict() for r in v.reasons],
                "warnings": [r.as_dict() for r in v.warnings],
                "steps": [{"id": s.id, **s.reason.as_dict()} for s in v.steps],
            }
            for v in advice.verdicts
        ],
    }
    _emit(args, payload, lines)
    return 0


def run_agreement(args: argparse.Namespace) -> int:
    from ...content.catalogue import load_catalogue
    from ...rules.agreements import advise_agreements, situation_from_data

    cat = load_catalogue(args.jurisdiction)
    situation = situation_from_data(
        cat,
        _split(args.data),
        args.requester,
        frequency="ongoing" if args.ongoing else "one_off",
        parameters="varying" if args.varying else "fixed",
        parties=args.parties,
        contractor_handles_phi=args.contractor_handles_phi,
        needs_identities=args.needs_identities,
        basis=args.basis,
    )
    advice = advise_agreements(cat, situation)
    lines = [
        f"Agreements for {cat.requesters[situation.requester].label} "
        f"({situation.sensitivity} data, {situation.frequency.replace('_', '-')}):"
    ]
    for fit in advice.needed:
        lines.append(f"\n* {fit.agreement.abbreviation}: {fit.agreement.name}")
        lines += [f"  - {r.text}\n    (Playbook: {r.section_title})" for r in fit.reasons]
    for note in advice.together:
        lines.append(f"\n{note.text}")
    for fit in advice.consider:
        lines.append(f"\nAlso consider: {fit.agreement.name}. {fit.reasons[0].text}")
    payload = {
        "jurisdiction": cat.id,
        "situation": {k: getattr(situation, k) for k in situation.__dataclass_fields__},
        "needed": [
            {"id": f.agreement.id, "reasons": [r.as_dict() for r in f.reasons]}
            for f in advice.needed
        ],
        "consider": [
            {"id": f.agreement.id, "reasons": [r.as_dict() for r in f.reasons]}
            for f in advice.consider
        ],
        "works_together": [r.as_dict() for r in advice.together],
    }
    _emit(args, payload, lines)
    return 0


def run_request(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ...content.catalogue import load_catalogue
    from ...content.yaml_source import read_yaml
    from ...errors import ContentError
    from ...rules.requests import review_request

    cat = load_catalogue(args.jurisdiction)
    doc = read_yaml(Path(args.answers))
    if not isinstance(doc.data, dict) or not all(
        isinstance(v, str | None) for v in doc.data.values()
    ):
        raise ContentError([doc.problem((), "expected question ids mapped to text answers")])
    review = review_request(cat, doc.data)
    lines = [i.text for i in review.issues] or [review.summary.text]  # type: ignore[union-attr]
    payload = {
        "complete": review.complete,
        "issues": [
            {"question": i.question_id, "kind": i.kind, **i.reason.as_dict()} for i in review.issues
        ],
    }
    _emit(args, payload, lines)
    return 0 if review.complete else 1

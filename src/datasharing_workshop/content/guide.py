"""The facilitator guide: ``facilitator_guide/*.md``, read and rendered for the handouts.

One page per notebook, with the notebook's name (``03_classify_data.md`` for
``notebooks/03_classify_data.ipynb``), plus pages for the whole workshop (``index.md``:
run of show and roles; ``preparation.md``, ``observation_protocol.md``, ...). Each page
starts with YAML front matter, like a Carpentries episode::

    ---
    title: "Breakout 1: What kind of data is this?"
    teaching: 5
    exercises: 20
    ---

The handout builder includes the guide in the facilitator handouts with:

* :func:`guide_pages` -- every page, in reading order (index, then the sessions in running
  order, then the other pages), with title, timings and Markdown body;
* :func:`render_page_html` -- one page as an HTML fragment (``<article>``), headings with
  GitHub-style ids, and links between pages and to notebooks rewritten by a callback;
* :func:`guide_files` -- the files read, for the builder's change detection.

Markdown is converted with mistune (installed with nbconvert).
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import Field, ValidationError

from ..errors import ContentError, Problem
from .locations import GUIDE_ENV, own_or_shipped
from .models import Entry, Text
from .yaml_source import alias_problems, compose, data_as_written, display_path, format_field

__all__ = [
    "GUIDE_ENV",
    "GuidePage",
    "LinkTarget",
    "default_link",
    "github_slug",
    "guide_files",
    "guide_page",
    "guide_pages",
    "guide_root",
    "page_links",
    "render_page_html",
]

INDEX = "index"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
_SESSION_STEM = re.compile(r"^\d{2}_[a-z0-9_]+$")


class FrontMatter(Entry):
    title: Text
    teaching: int | None = Field(None, ge=0, description="minutes of presenting")
    exercises: int | None = Field(None, ge=0, description="minutes of hands-on work")
    objectives: list[Text] = Field([], description="what participants can do afterwards")
    keypoints: list[Text] = Field([], description="what to take away")


@dataclass(frozen=True)
class GuidePage:
    """One page of the guide."""

    stem: str
    path: Path
    title: str
    teaching: int | None
    exercises: int | None
    objectives: tuple[str, ...]
    keypoints: tuple[str, ...]
    #: The Markdown after the front matter.
    body: str
    #: Line of the file on which ``body`` starts (1-based), for messages.
    body_line: int = 1
    front_matter: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def is_session(self) -> bool:
        """True for a page that goes with a numbered notebook."""
        return bool(_SESSION_STEM.match(self.stem))

    @property
    def minutes(self) -> int:
        return (self.teaching or 0) + (self.exercises or 0)


def guide_root() -> Path:
    """``$DATASHARING_WORKSHOP_GUIDE``, else the workshop folder's ``facilitator_guide/``,
    else the guide the kit ships (see :mod:`.locations`)."""
    env = os.environ.get(GUIDE_ENV)
    if env:
        return Path(env).expanduser()
    return own_or_shipped("facilitator_guide")


def _read_page(path: Path) -> GuidePage:
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError([Problem(shown, "", f"cannot be read as UTF-8 text ({exc})")]) from None
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise ContentError(
            [
                Problem(
                    shown,
                    "",
                    "no front matter: start the page with a '---' line, then 'title: ...' "
                    "(and 'teaching:' / 'exercises:' minutes for a session page), then '---'",
                    1,
                )
            ]
        )
    try:
        node = compose(match.group(1))  # parsed once, for the alias check and the data
        aliases = alias_problems(shown, node)
        if aliases:
            raise ContentError(aliases)
        data = data_as_written(node) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        raise ContentError(
            [Problem(shown, "", f"front matter is not valid YAML: {exc}", line)]
        ) from None
    if not isinstance(data, dict):
        raise ContentError([Problem(shown, "", "front matter must be 'key: value' lines", 2)])
    try:
        fm = FrontMatter.model_validate(data)
    except ValidationError as exc:
        problems = []
        for item in exc.errors(include_url=False):
            what = (
                "unknown field (expected title, teaching, exercises, objectives, keypoints)"
                if item["type"] == "extra_forbidden"
                else "this field is required but missing"
                if item["type"] == "missing"
                else item["msg"]
            )
            problems.append(Problem(shown, format_field(item["loc"]), what, 2))
        raise ContentError(problems) from None
    stem = path.stem
    if _SESSION_STEM.match(stem) and (fm.teaching is None or fm.exercises is None):
        raise ContentError(
            [
                Problem(
                    shown,
                    "teaching" if fm.teaching is None else "exercises",
                    "a session page gives both 'teaching' and 'exercises' minutes",
                    2,
                )
            ]
        )
    return GuidePage(
        stem=stem,
        path=path,
        title=fm.title,
        teaching=fm.teaching,
        exercises=fm.exercises,
        objectives=tuple(fm.objectives),
        keypoints=tuple(fm.keypoints),
        body=text[match.end() :],
        body_line=text[: match.end()].count("\n") + 1,
        front_matter=data,
    )


def guide_pages(root: str | os.PathLike[str] | None = None) -> list[GuidePage]:
    """Every page of the guide, in reading order.

    ``index`` first, then the session pages in running order (their numbers), then the
    other pages by name.

    Raises
    ------
    ContentError
        A page has no front matter or a malformed one; every broken page is listed.
    """
    folder = Path(root) if root else guide_root()
    pages, problems = [], []
    for path in sorted(folder.glob("*.md")):
        try:
            pages.append(_read_page(path))
        except ContentError as exc:
            problems += exc.problems
    if problems:
        raise ContentError(problems)

    def order(page: GuidePage) -> tuple[int, str]:
        if page.stem == INDEX:
            return (0, "")
        return (1, page.stem) if page.is_session else (2, page.stem)

    return sorted(pages, key=order)


def guide_page(stem: str, root: str | os.PathLike[str] | None = None) -> GuidePage:
    """The page named ``stem`` (``"03_classify_data"``, ``"index"``).

    Raises
    ------
    ContentError
        No such page, or it is malformed.
    """
    folder = Path(root) if root else guide_root()
    path = folder / f"{stem}.md"
    if not path.is_file():
        known = ", ".join(p.stem for p in sorted(folder.glob("*.md")))
        raise ContentError(
            [Problem(display_path(path), "", f"no guide page '{stem}'; pages: {known or 'none'}")]
        )
    return _read_page(path)


def guide_files(root: str | os.PathLike[str] | None = None) -> list[Path]:
    """The guide's files, for change detection."""
    folder = Path(root) if root else guide_root()
    return sorted(folder.glob("*.md"))


# --------------------------------------------------------------------------- links


@dataclass(frozen=True)
class LinkTarget:
    """Where a relative link in a guide page points.

    Attributes
    ----------
    kind
        ``"guide"`` (another page, or a place on this page), ``"notebook"`` (a workshop
        notebook) or ``"file"`` (any other file of the repository).
    stem
        Page or notebook name without extension (``"03_classify_data"``); for ``"file"``,
        the path relative to the repository root.
    fragment
        The part after ``#``, or ``""``.
    """

    kind: Literal["guide", "notebook", "file"]
    stem: str
    fragment: str = ""


def default_link(target: LinkTarget) -> str | None:
    """The default rewriting: page and notebook links to ``<stem>.html``; files unchanged.

    A facilitator handout of ``03_classify_data`` contains that notebook *and* its guide
    page, so both kinds of link lead to the same file. Returning ``None`` keeps the
    original link.
    """
    if target.kind == "file":
        return None
    suffix = f"#{target.fragment}" if target.fragment else ""
    return f"{target.stem}.html{suffix}"


def classify_link(url: str, page_dir: Path) -> LinkTarget | None:
    """What a relative link in a page points at; None for web links and ``#anchors``.

    The guide folder sits at the root of the repository, so a ``file`` target is given
    relative to the folder above ``page_dir``.
    """
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    target = (page_dir / parts.path).resolve()
    if target.suffix == ".md" and target.parent == page_dir.resolve():
        return LinkTarget("guide", target.stem, parts.fragment)
    if target.suffix == ".ipynb":
        return LinkTarget("notebook", target.stem, parts.fragment)
    try:
        shown = target.relative_to(page_dir.resolve().parent).as_posix()
    except ValueError:
        shown = parts.path
    return LinkTarget("file", shown, parts.fragment)


_LINK = re.compile(r"(?<!!)\[(?P<text>[^\]]*)\]\((?P<url>[^)\s]+)(?:\s+\"[^\"]*\")?\)")


def page_links(page: GuidePage) -> list[tuple[int, str]]:
    """Every inline Markdown link of a page as ``(line, url)``, outside code."""
    out = []
    in_code = False
    for number, line in enumerate(page.body.splitlines(), start=page.body_line):
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        stripped = re.sub(r"`[^`]*`", "", line)
        out += [(number, m.group("url")) for m in _LINK.finditer(stripped)]
    return out


def github_slug(text: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"<[^>]+>", "", html.unescape(text)).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def heading_slugs(markdown: str) -> set[str]:
    """The ids of every heading in a Markdown text (as GitHub makes them, with -1, -2...)."""
    seen: dict[str, int] = {}
    slugs = set()
    in_code = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        match = None if in_code else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            slugs.add(_unique_slug(github_slug(_strip_inline(match.group(1))), seen))
    return slugs


def _strip_inline(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[*_`]", "", text)


def _unique_slug(slug: str, seen: dict[str, int]) -> str:
    if slug in seen:
        seen[slug] += 1
        return f"{slug}-{seen[slug]}"
    seen[slug] = 0
    return slug


# --------------------------------------------------------------------------- HTML


def _renderer_class() -> type:
    import mistune

    class GuideRenderer(mistune.HTMLRenderer):
        """HTML with heading ids and rewritten relative links."""

        def __init__(self, page_dir: Path, link: Callable[[LinkTarget], str | None]):
            super().__init__(escape=False)
            self._page_dir = page_dir
            self._link = link
            self._seen: dict[str, int] = {}

        def heading(self, text: str, level: int, **attrs: Any) -> str:
            slug = _unique_slug(github_slug(text), self._seen)
            return f'<h{level} id="{slug}">{text}</h{level}>\n'

        def link(self, text: str, url: str, title: str | None = None) -> str:
            target = classify_link(url, self._page_dir)
            if target is not None:
                rewritten = self._link(target)
                if rewritten is not None:
                    url = rewritten
            return super().link(text, url, title)

    return GuideRenderer


def render_page_html(
    stem: str,
    *,
    link: Callable[[LinkTarget], str | None] = default_link,
    root: str | os.PathLike[str] | None = None,
    with_header: bool = True,
) -> str:
    """One guide page as an HTML fragment for the facilitator handout.

    Parameters
    ----------
    stem
        The page (``"03_classify_data"``, ``"index"``).
    link
        Rewrites relative links: called with a :class:`LinkTarget`, returns the new
        ``href`` or ``None`` to keep the original. Default: :func:`default_link`.
    root
        Another guide folder.
    with_header
        Start with the page's title, its timing (session pages) and objectives.

    Returns
    -------
    str
        ``<article class="dsw-guide-page" id="guide-<stem>">...</article>``.

    Raises
    ------
    ContentError
        No such page, or its front matter is malformed.
    """
    import mistune

    page = guide_page(stem, root)
    renderer = _renderer_class()(page.path.parent, link)
    markdown = mistune.create_markdown(
        renderer=renderer, plugins=["table", "strikethrough", "task_lists"]
    )
    parts = [f'<article class="dsw-guide-page" id="guide-{html.escape(page.stem)}">']
    if with_header:
        parts.append(f"<h1>{html.escape(page.title)}</h1>")
        if page.is_session:
            parts.append(
                f'<p class="dsw-timing"><strong>Teaching:</strong> {page.teaching} min · '
                f"<strong>Exercises:</strong> {page.exercises} min · "
                f"<strong>Total:</strong> {page.minutes} min</p>"
            )
        if page.objectives:
            items = "".join(f"<li>{html.escape(o)}</li>" for o in page.objectives)
            parts.append(
                f'<div class="dsw-objectives"><p><strong>Objectives</strong></p>'
                f"<ul>{items}</ul></div>"
            )
    parts.append(str(markdown(page.body)))
    if with_header and page.keypoints:
        items = "".join(f"<li>{html.escape(k)}</li>" for k in page.keypoints)
        parts.append(
            f'<div class="dsw-keypoints"><p><strong>Key points</strong></p><ul>{items}</ul></div>'
        )
    parts.append("</article>")
    return "\n".join(parts)

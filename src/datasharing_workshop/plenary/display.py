"""Small display helpers shared by the plenary notebooks (welcome, tour, report-back, wrap-up).

Everything here renders to static HTML first: the handouts are offline HTML files built by
running the notebooks, so whatever a notebook shows must make sense without a live kernel.
Widgets get a ``text/html`` rendering next to their live view (:class:`StaticVBox`).

ipywidgets is imported only by :func:`static_vbox`, so modules that only build HTML (the
report-back's tables, the guide) stay cheap to import.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..content.catalogue import Catalogue

__all__ = [
    "HtmlBlock",
    "bullet_list",
    "escape",
    "section_link",
    "static_vbox",
]


def escape(value: object) -> str:
    """HTML-escape any value (``None`` becomes an empty string)."""
    return "" if value is None else html.escape(str(value))


@dataclass(frozen=True)
class HtmlBlock:
    """A piece of static HTML that Jupyter displays as such.

    Attributes
    ----------
    html
        The HTML fragment. Whoever builds it escapes every piece of free text.
    text
        A plain-text version for terminals and ``text/plain`` outputs.
    """

    html: str
    text: str = ""

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.text or self.html

    def __add__(self, other: HtmlBlock) -> HtmlBlock:
        return HtmlBlock(
            self.html + "\n" + other.html, "\n\n".join(filter(None, (self.text, other.text)))
        )


def bullet_list(items: Iterable[str], *, ordered: bool = False, css: str = "") -> str:
    """``<ul>`` (or ``<ol>``) of already-escaped HTML items."""
    tag = "ol" if ordered else "ul"
    attr = f' class="{css}"' if css else ""
    return f"<{tag}{attr}>" + "".join(f"<li>{item}</li>" for item in items) + f"</{tag}>"


def section_link(catalogue: Catalogue, section_id: str) -> str:
    """A link to a playbook section, titled as the playbook titles it.

    An id the catalogue does not know is shown as text rather than raising: report-back
    data and observers' notes may name sections from an older catalogue.
    """
    section = catalogue.sections.get(section_id)
    if section is None:
        return escape(section_id)
    return f'<a href="{escape(section.url)}">{escape(section.title)}</a>'


def static_vbox(children: list[Any], static_html: Callable[[], str], **kwargs: Any) -> Any:
    """An ``ipywidgets.VBox`` that also offers ``text/html`` for offline handouts.

    Parameters
    ----------
    children
        The widgets to show.
    static_html
        Called each time the box is displayed; returns the HTML that stands in for the
        widgets where there is no kernel (a printed or offline handout).
    **kwargs
        Passed on to ``VBox``.
    """
    return _static_vbox_class()(children=children, static_html=static_html, **kwargs)


_STATIC_VBOX: type | None = None


def _static_vbox_class() -> type:
    # Defined on first use so that importing this module does not import ipywidgets.
    global _STATIC_VBOX
    if _STATIC_VBOX is None:
        import ipywidgets as widgets

        class StaticVBox(widgets.VBox):
            """A VBox whose mimebundle carries a static ``text/html`` rendering too."""

            def __init__(self, *, static_html: Callable[[], str], **kwargs: Any):
                super().__init__(**kwargs)
                self._static_html = static_html

            def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
                data = super()._repr_mimebundle_(**kwargs) or {}
                data["text/html"] = self._static_html()
                return data

        _STATIC_VBOX = StaticVBox
    return _STATIC_VBOX

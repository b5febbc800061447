"""The report-back: every group's answers against the key, charts, prompts and feedback.

``data``
    Reads one workshop from the answer store and compares each answer with the key.
``charts``
    Greyscale matplotlib charts: most-missed items, confused categories, channels chosen.
``prompts``
    Discussion prompts where the groups disagreed.
``feedback``
    Observers' notes as Markdown, grouped by playbook section, ready to paste as issues.
``render``
    The HTML tables.
``report``
    :class:`ReportBack`, the one object the notebook uses.

matplotlib is imported only when a chart is drawn.
"""

from .report import FeedbackFile, ReportBack, load_report

__all__ = ["FeedbackFile", "ReportBack", "load_report"]

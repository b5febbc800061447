"""The kit's content, loaded and checked: YAML files, the jurisdiction's catalogue, sizes.

``yaml_source``
    Read YAML with line numbers; turn validation failures into problems a person can fix.
``models``
    The pydantic models of a jurisdiction's catalogue entries.
``catalogue``
    Load and check ``exercises/<jurisdiction>/*.yaml``.
``situations``
    The fields agreements are matched on.
``sizes``
    File sizes as people write them.
``dates``
    Dates and times as the room writes them ("March 14, 2025").
``workshop``
    The workshop's own content (``exercises/workshop/*.yaml``).
``guide``
    The facilitator guide's pages.

This is the lowest layer above :mod:`datasharing_workshop.errors`: nothing here imports
the rules, the store, the breakouts or anything that shows a page.
"""

"""What the plenary notebooks show: welcome and agenda, the playbook tour, the observation
form and the wrap-up, with the small static-HTML display helpers they share.

``display``
    Static HTML helpers (lists, section links, widget boxes with an HTML rendering).
``agenda``
    The run of show and the welcome notebook.
``tour``
    The playbook tour and the take-home points.
``observations``
    The observers' note form.
``wrap_up``
    The wrap-up notebook.
"""

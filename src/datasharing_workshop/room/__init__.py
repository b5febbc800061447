"""The workshop room: one Jupyter Server, with Voilà as its server extension, serving every
participant's page from the facilitator's computer (``datasharing-workshop serve``).

Modules, lowest first: ``copies`` (participant copies by the handouts' tag pipeline),
``settings`` (the room's codes, limits and folder), ``pages`` (the pages of the day, in
agenda order), ``progress`` (the console's grid from the store), ``auth`` (codes as tokens,
and what a participant may reach), ``handlers`` and ``extension`` (the Jupyter Server
extension), ``kernel`` (what runs inside a participant's kernel), ``cards`` (table cards).
"""


def _jupyter_server_extension_points() -> list[dict]:
    from .extension import RoomApp

    return [{"module": "datasharing_workshop.room.extension", "app": RoomApp}]

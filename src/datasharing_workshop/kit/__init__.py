"""What the kit ships besides code: the workshop's content, notebooks and guide.

The repository keeps them in top-level folders a facilitator can browse (``exercises/``,
``notebooks/``, ``facilitator_guide/``); ``setup.py`` maps each onto a sub-package of this
one (``datasharing_workshop.kit.exercises`` ...), so a wheel carries them inside the
package and an editable install reads the repository's folders in place. Code finds them
only through :mod:`importlib.resources` (see :mod:`datasharing_workshop.content.locations`),
never through a path into a source checkout.

``workshop.yml`` here is the example config that ``datasharing-workshop init`` copies into
a new workshop folder; tests/test_packaging.py checks it equals the repository's.
"""

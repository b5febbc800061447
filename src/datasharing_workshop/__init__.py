"""Workshop kit for safe, secure and ethical data sharing between government agencies.

Importing the package is cheap on purpose: notebooks, the command line and the handout
builder each import only the modules they use (``datasharing_workshop.rules``,
``datasharing_workshop.content.catalogue``, ...). Nothing heavy (nbformat, ipywidgets, pydantic)
is imported here.
"""

__version__ = "0.1.0"

from . import lazy_iri

# nbformat's schema checks would otherwise build an IRI grammar in every process (see
# lazy_iri): seconds before the kit can read a notebook.
lazy_iri.install()

# Lets the installed package read this folder as datasharing_workshop.kit.notebooks (see setup.py).
# Nothing to edit here.

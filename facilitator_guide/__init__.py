# Lets the installed package read this folder as datasharing_workshop.kit.facilitator_guide (see setup.py).
# Nothing to edit here.

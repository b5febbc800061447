# Lets the installed package read this folder as datasharing_workshop.kit.exercises (see setup.py).
# Nothing to edit here.

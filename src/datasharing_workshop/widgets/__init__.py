"""Interactive breakout exercises (ipywidgets) for the workshop notebooks and the Voilà app.

Each breakout has one module (``classify_data``, ``transfer_channel``, ``choose_agreement``,
``data_request``, ``deidentify``) whose ``exercises(...)`` the notebook calls, and an
``answer_key(...)`` for the facilitator's cell.
``common`` holds what they share: the exercise box with its handout rendering, feedback,
and saving to the answer store.

Submodules are imported on demand so that importing one breakout does not pay for another.
"""

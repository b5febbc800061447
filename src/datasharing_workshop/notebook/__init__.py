"""What a workshop notebook is: the contract its tags, parameters and metadata follow.

One home (:mod:`.contract`) read by the handout builder, the app's copies and the room's
pages alike, so the three never disagree about what a notebook may contain.
"""

"""The breakouts: each breakout's scenarios, the checks on them, and its grading.

``scenarios``
    Breakout scenarios (``exercises/<jurisdiction>/scenarios/<set>/<breakout>.yaml``).
"""

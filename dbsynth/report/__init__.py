"""How good is the copy: the report of a synthetic database against its source.

``build.py`` assembles it from ``fidelity.py`` (SDMetrics-compatible quality properties),
``detection.py`` (classifier two-sample tests), ``utility.py`` (train synthetic, test real),
``privacy.py`` (copies and distances) and the target's integrity checks; ``html.py`` renders
it as one self-contained page.
"""

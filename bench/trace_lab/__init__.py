"""Evaluation material for the still-image tracer: documentary-like test videos with known truth.

``generate`` collects stills (corpus photos plus procedural documents and archival-looking
photos), plans videos in which some of them appear under editing transforms, renders and encodes
them with PyAV, and writes ``truth.json``; ``score`` compares a tracer's hits with that truth.
"""

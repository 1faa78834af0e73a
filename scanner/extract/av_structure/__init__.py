"""Bounded, read-only structural checks for video and audio containers, one module per
family (``checks`` gathers their entry points)."""

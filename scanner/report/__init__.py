"""Report renderers: one module per format, each exposing ``render(report) -> str``.

Every format derives from the dict built by :mod:`provscan.report.to_json`, so renderers
never filter or re-interpret findings.
"""

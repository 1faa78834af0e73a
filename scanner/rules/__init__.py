"""Rule tables, one module per family of the scanner and its stages (the detectors keep
theirs beside their code); ``provscan.rulebook`` looks every rule up by code."""

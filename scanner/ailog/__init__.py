"""The production's AI-use log: entries, loading and validation (TOML or CSV), matching, drafts.

See docs/ai-use-log.md for the format. A malformed log is never a finding: it is a
list of one-line errors naming the file, the row or table, and the field (exit 2).
"""

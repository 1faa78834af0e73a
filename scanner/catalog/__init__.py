"""The archive catalog (``--catalog archive.db``): every scanned file's identity, content
hash, extracted evidence and the engine that produced it, in SQLite.

A re-scan reads only new or changed files and re-applies the AI-use log and the policy to
the stored evidence; an interrupted scan resumes where it stopped; ``provscan catalog
query`` answers an archive owner's questions from it.
"""

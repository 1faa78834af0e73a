"""Atheris fuzz targets for every parser entry point, their runner and their crash inputs.

Each ``fuzz_*`` module exposes ``one_input(data)`` (a pure function that lets only
unexpected exceptions escape) and ``main()`` (atheris); ``python -m tests.fuzz.run``
runs them, and ``tests/test_fuzz_regressions.py`` replays ``crashes/*/`` without atheris.
"""

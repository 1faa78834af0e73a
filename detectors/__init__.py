"""Detectors: one module per signal family, each satisfying the Detector protocol.

The registry of the detectors a scan runs is ``provscan.detectors.registry`` (kept out of this file:
importing any one detector module runs this file first, so a registry here would make every
detector depend on all the others).
"""

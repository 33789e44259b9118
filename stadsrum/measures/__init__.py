"""Measures computed on the network: space syntax, proximity, accessibility, barriers."""

from stadsrum.measures.segment import SEGMENT_MEASURES, segment_analysis

__all__ = ["SEGMENT_MEASURES", "segment_analysis"]

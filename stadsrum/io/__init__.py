"""Readers, input validation and writers."""

from stadsrum.io.osm import read_osm_lines
from stadsrum.io.readers import from_graph, read_layer, read_lines, validate_lines

__all__ = ["from_graph", "read_layer", "read_lines", "read_osm_lines", "validate_lines"]

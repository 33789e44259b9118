"""The message catalogue: ``<lang>.po`` per language, read by :mod:`stadsrum.i18n`.

A package (not a plain folder) so that the wheel and the plugin zip's bundled
core both carry its files.
"""

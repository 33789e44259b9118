"""Reports of results: maps, tables and plain-language text as self-contained HTML and PDF.

>>> from stadsrum.report import write_report
>>> write_report("stadsrum-demo", "stadsrum-demo/report", lang="en")  # doctest: +SKIP
"""

from stadsrum.report.build import ReportResult, collect_sources, write_report

__all__ = ["ReportResult", "collect_sources", "write_report"]

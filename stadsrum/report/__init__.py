"""Reports of results: maps, tables and plain-language text as self-contained HTML and PDF.

A Swedish report of a segment analysis of the sample city (``write_report`` also
takes a folder of results, as ``stadsrum demo`` writes them):

>>> import stadsrum as sr
>>> from stadsrum.report import write_report
>>> net = sr.read_network(sr.sample_data_dir() / "helsinki.osm.pbf")
>>> _ = sr.run_segments(net, "segments.gpkg", cost="angular", radii="400")
>>> report = write_report("segments.gpkg", "report", lang="sv")
>>> report.html.name, report.pdf.name
('report.html', 'report.pdf')
>>> [section.heading for section in report.sections]
['Rumslig integration (space syntax)']
"""

from stadsrum.report.build import ReportResult, collect_sources, write_report

__all__ = ["ReportResult", "collect_sources", "write_report"]

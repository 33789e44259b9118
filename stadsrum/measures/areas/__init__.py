"""People and areas: area accessibility, area-to-area distances, potential
co-presence, meeting sites, segregation indices and the 2012 criteria.

Definitions: ``docs/areas.md``. :mod:`.analysis` runs the searches and builds
the layers; :mod:`.indices` holds the segregation formulas; :mod:`.criteria`
the 2012 urban-development criteria.
"""

from stadsrum.measures.areas.analysis import AreaResult, area_analysis
from stadsrum.measures.areas.criteria import CRITERIA, parse_criteria
from stadsrum.measures.areas.indices import INDICES, segregation_indices

__all__ = [
    "CRITERIA",
    "INDICES",
    "AreaResult",
    "area_analysis",
    "parse_criteria",
    "segregation_indices",
]

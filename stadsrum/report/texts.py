"""The report's words in Swedish and English: headings, what each measure means, how to read it.

Plain language for planners; the formulas are in ``docs/measures.md``,
``docs/accessibility.md`` and ``docs/barriers.md``.
"""

from __future__ import annotations

from stadsrum.options import DEFAULT_SPEED

__all__ = ["LANGUAGES", "SECTIONS", "WORDS", "section_text", "word"]

_SPEED_SV = f"{DEFAULT_SPEED:g}".replace(".", ",")  # Swedish writes a decimal comma

LANGUAGES = ("sv", "en")

WORDS: dict[str, dict[str, str]] = {
    "title": {"sv": "Stadsrumsanalys", "en": "Urban space analysis"},
    "subtitle": {
        "sv": "Resultat från stadsrum {version}, {date}",
        "en": "Results from stadsrum {version}, {date}",
    },
    "contents": {"sv": "Innehåll", "en": "Contents"},
    "parameters": {"sv": "Parametrar", "en": "Parameters"},
    "inputs": {"sv": "Indata", "en": "Inputs"},
    "how_to_read": {"sv": "Så läser du resultatet", "en": "How to read it"},
    "layers": {"sv": "Lager i filen", "en": "Layers in the file"},
    "file": {"sv": "Fil", "en": "File"},
    "map": {"sv": "Karta", "en": "Map"},
    "histogram": {"sv": "Fördelning", "en": "Distribution"},
    "count": {"sv": "Antal", "en": "Count"},
    "od_table": {
        "sv": "Gångtid från varje plats till närmaste målpunkt per kategori (minuter)",
        "en": "Walking time from each place to the nearest node of each category (minutes)",
    },
    "place_summary": {
        "sv": "Sammanfattning per plats",
        "en": "Summary per place",
    },
    "place": {"sv": "Plats", "en": "Place"},
    "nodes_within": {"sv": "Målpunkter inom {t} min", "en": "Nodes within {t} min"},
    "mean_walk": {"sv": "Medel gångtid (min)", "en": "Mean walk (min)"},
    "rank": {"sv": "Rang", "en": "Rank"},
    "top_links": {
        "sv": "De tio bästa nya förbindelserna",
        "en": "The ten best new links",
    },
    "proposal_places": {
        "sv": "Förändring per plats",
        "en": "Change per place",
    },
    "no_change": {"sv": "ingen förändring", "en": "no change"},
    "new_link": {"sv": "ny förbindelse", "en": "new link"},
    "removed": {"sv": "borttagen", "en": "removed"},
    "key": {"sv": "Nyckel", "en": "Key"},
    "parameter": {"sv": "Parameter", "en": "Parameter"},
    "warnings": {"sv": "Värden att kontrollera", "en": "Numbers to check"},
    "warning": {"sv": "Varning", "en": "Warning"},
    "where": {"sv": "Var", "en": "Where"},
    "message": {"sv": "Förklaring", "en": "Explanation"},
    "warnings_shown": {
        "sv": "{shown} av {total} visas; alla finns i lagret warnings",
        "en": "{shown} of {total} shown; all are in the warnings layer",
    },
    "of": {"sv": "av", "en": "of"},
    "continued": {"sv": "(forts.)", "en": "(cont.)"},
    "walk_time": {"sv": "Gångtid från platsen", "en": "Walking time from the place"},
    "the_place": {"sv": "Platsen", "en": "The place"},
    "service_area_note": {
        "sv": (
            "En karta per plats, alla i samma skala: mörkast grönt nås först, "
            "ljusare efter längre gångtid."
        ),
        "en": (
            "One map per place, all at the same scale: darkest green is reached first, "
            "lighter after a longer walk."
        ),
    },
    "value": {"sv": "Värde", "en": "Value"},
    "generated": {
        "sv": "Kartor: stadsrum, utan bakgrundskarta. Koordinatsystem {crs}.",
        "en": "Maps: stadsrum, no background tiles. Coordinate system {crs}.",
    },
    "scale": {"sv": "m", "en": "m"},
    "summary": {"sv": "Sammanfattning", "en": "Summary"},
    "links_added": {"sv": "Nya förbindelser", "en": "Links added"},
    "segments_removed": {"sv": "Borttagna segment", "en": "Segments removed"},
    "pairs_shorter": {
        "sv": "Kortare vägar plats → målpunkt",
        "en": "Shorter place → node routes",
    },
    "synthetic": {
        "sv": (
            "OBS: befolkningen i det här exemplet är påhittad (syntetisk). Ingen har räknats: "
            "antalet boende och deras grupp har lottats ut på verkliga byggnader med ett "
            "avsiktligt mönster. Siffrorna visar hur analysen fungerar, inte hur det ser ut "
            "i staden."
        ),
        "en": (
            "NOTE: the population of this example is made up (synthetic). Nobody was "
            "counted: residents and their groups were drawn at random on real buildings, "
            "with a deliberate pattern. The numbers show how the analysis works, not how "
            "the city is."
        ),
    },
    "synthetic_short": {
        "sv": "Syntetisk befolkning, inte verkliga boende.",
        "en": "Synthetic population, not real residents.",
    },
    "area_access": {
        "sv": "Gångtid till närmaste {what} per område och grupp",
        "en": "Walk to the nearest {what} per area and group",
    },
    "area_access_note": {
        "sv": (
            "Befolkningsviktad medelgångtid (min) för gruppens boende i området; samma "
            "färgklasser i alla delkartor. Kategorin är den där grupperna skiljer sig mest."
        ),
        "en": (
            "Population-weighted mean walk (min) of the group's residents in the area; the "
            "same colour classes in every panel. The category is the one where the groups "
            "differ most."
        ),
    },
    "no_residents": {"sv": "inga boende", "en": "no residents"},
    "area_matrix": {
        "sv": "Medelgångtid mellan de boende i två områden (min)",
        "en": "Mean walk between the residents of two areas (min)",
    },
    "area_matrix_note": {
        "sv": (
            "Från område (rad) till område (kolumn), viktat med antalet boende. Diagonalen är "
            "avståndet mellan grannar i samma område. Mörkare ruta = längre gångväg."
        ),
        "en": (
            "From area (row) to area (column), weighted by residents. The diagonal is the "
            "distance between neighbours in one area. Darker cell = longer walk."
        ),
    },
    "from_area": {"sv": "Från område", "en": "From area"},
    "to_area": {"sv": "Till område", "en": "To area"},
    "group_access": {
        "sv": "Gångtid till närmaste målpunkt per grupp, hela staden",
        "en": "Walk to the nearest node per group, whole city",
    },
    "areas_table": {"sv": "Områdena", "en": "The areas"},
    "segregation": {"sv": "Segregationsindex", "en": "Segregation indices"},
    "index": {"sv": "Index", "en": "Index"},
    "over_areas": {"sv": "Över områdena", "en": "Over the areas"},
    "along_streets": {"sv": "Längs gatorna, {t} min", "en": "Along the streets, {t} min"},
    "top_sites": {
        "sv": "Mötesplatser: dagens platser och de tio bästa gatorna",
        "en": "Meeting places: today's places and the ten best streets",
    },
    "site": {"sv": "Plats", "en": "Site"},
    "street_segment": {"sv": "Gatusegment {id}", "en": "Street segment {id}"},
    "existing": {"sv": "Finns i dag", "en": "Exists today"},
    "largest_saving": {
        "sv": "Största tidsvinst (min)",
        "en": "Largest time saving (min)",
    },
}

#: Per analysis (the ``command`` in ``run_metadata``): heading, and a short text.
SECTIONS: dict[str, dict[str, dict[str, str]]] = {
    "network": {
        "heading": {"sv": "Gatunätet", "en": "The street network"},
        "text": {
            "sv": (
                "Gatunätet är grunden för alla analyser: gator, gång- och cykelvägar som "
                "linjer som möts i korsningar. Kartan visar nätet efter förberedelsen. Röda "
                "punkter (diagnostik) är ställen värda att kontrollera: återvändsgränder, "
                "nästan-möten och korsningar som inte kopplades ihop (broar, tunnlar). Ett "
                "glapp i nätet gör att analysen tror att man måste gå en omväg."
            ),
            "en": (
                "The street network is the basis of every analysis: streets, footpaths and "
                "cycle paths as lines meeting at junctions. The map shows the network after "
                "preparation. Red points (diagnostics) are places worth checking: dead ends, "
                "near misses and crossings that were not joined (bridges, tunnels). A gap in "
                "the network makes the analysis believe a detour is needed."
            ),
        },
    },
    "segments": {
        "heading": {
            "sv": "Rumslig integration (space syntax)",
            "en": "Spatial integration (space syntax)",
        },
        "text": {
            "sv": (
                "Integration mäter hur nära en gata ligger alla andra gator i nätet, räknat i "
                "svängar (vinkel) eller meter. Röda gator är mest integrerade: dit leder många "
                "vägar, och där brukar gångflöden, handel och stadsliv samlas. Blå gator är "
                "segregerade och ligger avsides. Genomströmning (på engelska choice) räknar hur "
                "ofta en gata ligger på den kortaste vägen mellan alla par av gator: gator med "
                "hög genomströmning är genomfartsstråk. Radien (t.ex. 800 m) anger hur stor del av "
                "staden som räknas: n betyder hela nätet, korta radier visar lokala centra. "
                "Färgklasserna har lika många gator vardera (kvantiler); jämför därför gator "
                "inom kartan, inte värden mellan olika städer."
            ),
            "en": (
                "Integration measures how close a street is to all other streets of the "
                "network, counted in turns (angular) or metres. Red streets are the most "
                "integrated: many routes lead there, and walking, shops and street life tend to "
                "gather there. Blue streets are segregated, out of the way. Choice counts how "
                "often a street lies on the shortest route between all pairs of streets: "
                "streets of high choice are through routes. The radius (e.g. 800 m) sets how "
                "much of the city counts: n means the whole network, short radii show local "
                "centres. Each colour class holds as many streets as the next (quantiles), so "
                "compare streets within the map, not values between cities."
            ),
        },
    },
    "distances": {
        "heading": {
            "sv": "Avstånd från platser till målpunkter",
            "en": "Distances from places to key nodes",
        },
        "text": {
            "sv": (
                "För varje plats (torg, park) visas gångavståndet längs gatorna till stadens "
                "målpunkter (stationer, skolor, bibliotek ...), inklusive vägen från platsen "
                f"ut till gatan. Gångtiden räknas med {_SPEED_SV} m/s om inget annat anges. Kartan "
                "visar vägarna, gröna korta och röda långa. Tabellen visar gångtiden till "
                "närmaste målpunkt av varje slag. En omvägskvot nära 1 betyder en rak väg; "
                "1,5 betyder att vägen är 50 % längre än fågelvägen."
            ),
            "en": (
                "For each place (square, park) the report shows the walking distance along "
                "the streets to the city's key nodes (stations, schools, libraries ...), "
                "including the way from the place out to the street. Walking time assumes "
                f"{DEFAULT_SPEED:g} m/s unless stated. "
                "The map shows the routes, green short and red long. "
                "The table gives the walk to the nearest node of each kind. A detour ratio "
                "near 1 means a direct route; 1.5 means the route is 50% longer than the "
                "straight line."
            ),
        },
    },
    "accessibility": {
        "heading": {"sv": "Tillgänglighet till målpunkter", "en": "Accessibility of key nodes"},
        "text": {
            "sv": (
                "För varje gatusegment räknas hur många målpunkter som nås inom ett visst "
                "gångavstånd (t.ex. inom 600 m) och avståndet till den närmaste. Ljusa (gula) "
                "gator når många målpunkter, mörka (lila) få. Det visar var i staden det är "
                "nära till vardagens mål och var det är långt."
            ),
            "en": (
                "For each street segment the report counts how many key nodes are reached "
                "within a walking distance (e.g. within 600 m) and the distance to the "
                "nearest one. Bright (yellow) streets reach many nodes, dark "
                "(violet) ones few. It shows where everyday destinations are near and where "
                "they are far."
            ),
        },
    },
    "barriers": {
        "heading": {"sv": "Barriärer", "en": "Barriers"},
        "text": {
            "sv": (
                "Järnvägar, stora vägar och vatten kan bara passeras där det finns en "
                "korsning. Kartan visar barriärerna, passagerna och de långa sträckorna utan "
                "passage (tjocka röda linjer). Omvägskvoten visar hur mycket längre vägen blir "
                "än fågelvägen. Barriäreffekten är hur mycket längre det blir att gå till "
                "målpunkterna jämfört med om barriären gick att korsa fritt. Kandidaterna är "
                "möjliga nya passager, rangordnade efter hur mycket de förkortar alla vägar "
                "mellan platser och målpunkter (rang 1 är bäst)."
            ),
            "en": (
                "Railways, major roads and water can only be passed where there is a "
                "crossing. The map shows the barriers, the crossings and the long stretches "
                "without one (thick red lines). The detour ratio tells how much longer a walk "
                "is than the straight line. The barrier effect is how much longer it is to "
                "walk to the key nodes than if the barrier could be crossed anywhere. The "
                "candidates are possible new crossings, ranked by how much they shorten all "
                "routes between places and nodes together (rank 1 is best)."
            ),
        },
    },
    "compare": {
        "heading": {"sv": "Vad förslaget förändrar", "en": "What the proposal changes"},
        "text": {
            "sv": (
                "Samma analyser har körts på gatunätet före och efter planförslaget. Kartorna "
                "visar skillnaden (efter minus före): blått är en förbättring (högre "
                "integration, fler målpunkter inom räckhåll, kortare gångtid), rött en "
                "försämring och ljusgrått ingen förändring. Tjockare linjer betyder större "
                "förändring. Nya förbindelser ritas svarta och streckade, borttagna gator grå. "
                "En gata som förslaget delar (där en ny länk ansluter) jämförs med hela den "
                "ursprungliga gatan."
            ),
            "en": (
                "The same analyses were run on the street network before and after the plan "
                "proposal. The maps show the difference (after minus before): blue is an "
                "improvement (higher integration, more nodes within reach, shorter walks), red "
                "the opposite and light grey no change. Thicker lines mean larger changes. New "
                "links are drawn black and dashed, removed streets grey. A street the proposal "
                "splits (where a new link joins it) is compared with the whole original street."
            ),
        },
    },
    "areas": {
        "heading": {"sv": "Människor och områden", "en": "People and areas"},
        "text": {
            "sv": (
                "Här knyts gatunätet till de människor som bor längs det. Varje bostadspunkt "
                "ansluts till närmaste gata, och alla avstånd mäts som gångväg längs gatorna. "
                "Kartorna visar hur långt de boende i varje område, grupp för grupp, har till "
                "närmaste målpunkt; hur långt det i genomsnitt är mellan de boende i två "
                "områden; och på vilka gator boende från olika grupper och områden har nära "
                "till samma ställe (potentiell samvaro, efter Legeby 2013): där kan de mötas. "
                "Mötesplatserna rangordnas efter hur stor andel av den minst nådda gruppen som "
                "bor inom gångavståndet, så att en plats bara hamnar högt om den når alla "
                "grupper. Segregationsindexen mäts dels över områdena, dels längs gatorna: "
                "då jämförs varje boendes grupp med vilka som bor inom några minuters gång, "
                "oavsett områdesgränser (Reardon och O'Sullivan 2004)."
            ),
            "en": (
                "This ties the street network to the people who live along it. Each home "
                "point is joined to its nearest street, and every distance is a walk along the "
                "streets. The maps show how far the residents of each area, group by group, "
                "walk to the nearest key node; how far apart, on average, the residents of two "
                "areas live; and on which streets residents of different groups and areas have "
                "the same place within reach (potential co-presence, after Legeby 2013): where "
                "they could meet. Meeting places are ranked by the share of the least-reached "
                "group living within the walk, so a place ranks high only if it serves every "
                "group. The segregation indices are measured over the areas and along the "
                "streets, where each resident's group is compared with who lives within a few "
                "minutes' walk, whatever the area boundaries (Reardon and O'Sullivan 2004)."
            ),
        },
    },
    "other": {
        "heading": {"sv": "Övriga resultat", "en": "Other results"},
        "text": {
            "sv": "Lager utan särskild beskrivning i rapporten.",
            "en": "Layers without a particular description in the report.",
        },
    },
}

#: Map captions per layer: what the colours show.
CAPTIONS: dict[str, dict[str, str]] = {
    "network": {"sv": "Gatunätet och diagnostikpunkter", "en": "Street network and diagnostics"},
    "segments": {"sv": "Integration per gatusegment", "en": "Integration per street segment"},
    "segments_choice": {
        "sv": "Genomströmning per gatusegment",
        "en": "Choice per street segment",
    },
    "od": {
        "sv": "Vägar från platser till målpunkter, gångtid",
        "en": "Routes from places to nodes, walking time",
    },
    "service_areas": {
        "sv": "Gångavstånd från platserna (minuter)",
        "en": "Walking catchments of the places (minutes)",
    },
    "accessibility": {"sv": "Målpunkter inom räckhåll", "en": "Nodes within reach"},
    "barrier_stretches": {
        "sv": "Barriärer och sträckor utan passage",
        "en": "Barriers and stretches without a crossing",
    },
    "candidate_links": {
        "sv": "Möjliga nya passager, efter nytta",
        "en": "Possible new crossings, by gain",
    },
    "detour": {"sv": "Omvägskvot", "en": "Detour ratio"},
    "scenario": {
        "sv": "Förslagets förändring av vägarnas längd (m)",
        "en": "The proposal's change in route length (m)",
    },
    "segments_diff": {"sv": "Förändring av integration", "en": "Change in integration"},
    "od_diff": {
        "sv": "Förändring av gångtid plats → målpunkt (min)",
        "en": "Change in walking time place → node (min)",
    },
    "places_diff": {
        "sv": "Förändring av medelgångtid per plats (min)",
        "en": "Change in mean walk per place (min)",
    },
    "accessibility_diff": {
        "sv": "Förändring av målpunkter inom räckhåll",
        "en": "Change in nodes within reach",
    },
    "copresence": {
        "sv": "Potentiell samvaro: gruppblandning inom gångavstånd",
        "en": "Potential co-presence: group mix within walking distance",
    },
    "meeting_sites": {
        "sv": "Mötesplatser: de tio bästa gatorna och dagens platser",
        "en": "Meeting places: the ten best streets and today's places",
    },
}


def word(key: str, lang: str, **fmt: object) -> str:
    """A word or phrase in ``lang``, formatted with ``fmt``."""
    text = WORDS[key][lang]
    return text.format(**fmt) if fmt else text


def section_text(command: str, lang: str) -> tuple[str, str]:
    """Heading and explanation of an analysis section."""
    entry = SECTIONS.get(command, SECTIONS["other"])
    return entry["heading"][lang], entry["text"][lang]

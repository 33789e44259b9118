<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="sv_SE" sourcelanguage="en">
<context>
    <name>stadsrum</name>
    <message>
        <source>Stadsrum: urban space analysis</source>
        <translation>Stadsrum: stadsrumsanalys</translation>
    </message>
    <message>
        <source>Stadsrum could not start:</source>
        <translation>Stadsrum kunde inte starta:</translation>
    </message>
    <message>
        <source>Some Python packages are missing or too old.</source>
        <translation>Några Python-paket saknas eller är för gamla.</translation>
    </message>
    <message>
        <source>Show how to install them</source>
        <translation>Visa hur de installeras</translation>
    </message>
    <message>
        <source>Cancelled by the user; nothing was written.</source>
        <translation>Avbrutet av användaren; inget har skrivits.</translation>
    </message>
    <message>
        <source>Waiting for another Stadsrum analysis to finish</source>
        <translation>Väntar på att en annan Stadsrum-analys ska bli klar</translation>
    </message>
    <message>
        <source>Reading the OpenStreetMap file {path}</source>
        <translation>Läser OpenStreetMap-filen {path}</translation>
    </message>
    <message>
        <source>{package} (missing)</source>
        <translation>{package} (saknas)</translation>
    </message>
    <message>
        <source>{package} {found} (needs {minimum} or newer)</source>
        <translation>{package} {found} (behöver {minimum} eller nyare)</translation>
    </message>
    <message>
        <source>Close QGIS, open the OSGeo4W Shell from the Start menu (right-click, Run as administrator) and run:</source>
        <translation>Stäng QGIS, öppna OSGeo4W Shell från Start-menyn (högerklicka, Kör som administratör) och kör:</translation>
    </message>
    <message>
        <source>Close QGIS, open a terminal and run:</source>
        <translation>Stäng QGIS, öppna en terminal och kör:</translation>
    </message>
    <message>
        <source>Stadsrum needs these Python packages in QGIS's Python: {packages}.</source>
        <translation>Stadsrum behöver de här Python-paketen i QGIS Python: {packages}.</translation>
    </message>
    <message>
        <source>Then start QGIS again.</source>
        <translation>Starta sedan QGIS igen.</translation>
    </message>
    <message>
        <source>Prepare street network</source>
        <translation>Förbered gatunät</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>Gatunät</translation>
    </message>
    <message>
        <source>Street centre lines</source>
        <translation>Gatumittlinjer</translation>
    </message>
    <message>
        <source>Travel mode (OpenStreetMap files)</source>
        <translation>Färdsätt (OpenStreetMap-filer)</translation>
    </message>
    <message>
        <source>walk</source>
        <translation>gång</translation>
    </message>
    <message>
        <source>bike</source>
        <translation>cykel</translation>
    </message>
    <message>
        <source>drive</source>
        <translation>bil</translation>
    </message>
    <message>
        <source>all streets and paths</source>
        <translation>alla gator och vägar</translation>
    </message>
    <message>
        <source>Preparation</source>
        <translation>Förberedelse</translation>
    </message>
    <message>
        <source>full: clean and node the lines</source>
        <translation>full: rensa linjerna och skapa korsningar</translation>
    </message>
    <message>
        <source>none: keep every line as one segment</source>
        <translation>ingen: behåll varje linje som ett segment</translation>
    </message>
    <message>
        <source>Unlinks: crossings that do not join (points)</source>
        <translation>Olänkar: korsningar som inte kopplas ihop (punkter)</translation>
    </message>
    <message>
        <source>Snap tolerance (metres)</source>
        <translation>Snäpptolerans (meter)</translation>
    </message>
    <message>
        <source>Connected parts to keep</source>
        <translation>Sammanhängande delar att behålla</translation>
    </message>
    <message>
        <source>automatic (largest with full preparation, all with none)</source>
        <translation>automatiskt (största vid full förberedelse, alla vid ingen)</translation>
    </message>
    <message>
        <source>largest connected part only</source>
        <translation>bara den största sammanhängande delen</translation>
    </message>
    <message>
        <source>all parts</source>
        <translation>alla delar</translation>
    </message>
    <message>
        <source>Prepared network</source>
        <translation>Förberett gatunät</translation>
    </message>
    <message>
        <source>Diagnostics</source>
        <translation>Diagnostik</translation>
    </message>
    <message>
        <source>Segment analysis (space syntax)</source>
        <translation>Segmentanalys (space syntax)</translation>
    </message>
    <message>
        <source>Space syntax</source>
        <translation>Space syntax</translation>
    </message>
    <message>
        <source>Street network (lines)</source>
        <translation>Gatunät (linjer)</translation>
    </message>
    <message>
        <source>Distance types</source>
        <translation>Avståndstyper</translation>
    </message>
    <message>
        <source>angular (turns)</source>
        <translation>vinkel (svängar)</translation>
    </message>
    <message>
        <source>metric (metres)</source>
        <translation>meter (metriskt avstånd)</translation>
    </message>
    <message>
        <source>steps (moves)</source>
        <translation>steg (förflyttningar)</translation>
    </message>
    <message>
        <source>time (walking minutes)</source>
        <translation>tid (gångminuter)</translation>
    </message>
    <message>
        <source>Radii in metres, n = whole network (e.g. 400,800,n)</source>
        <translation>Radier i meter, n = hela nätet (t.ex. 400,800,n)</translation>
    </message>
    <message>
        <source>Radius mode</source>
        <translation>Radieläge</translation>
    </message>
    <message>
        <source>catchment: streets within the radius by the shortest walk</source>
        <translation>upptagning: gator inom radien längs kortaste gångvägen</translation>
    </message>
    <message>
        <source>route: length along the least-cost route (depthmapX, PST)</source>
        <translation>rutt: längd längs vägen med lägst kostnad (depthmapX, PST)</translation>
    </message>
    <message>
        <source>Weight (numeric field, e.g. population)</source>
        <translation>Vikt (numeriskt fält, t.ex. befolkning)</translation>
    </message>
    <message>
        <source>Tulip bins (0 = exact angles, 1024 as depthmapX)</source>
        <translation>Tulpanklasser (0 = exakta vinklar, 1024 som depthmapX)</translation>
    </message>
    <message>
        <source>Segments</source>
        <translation>Segment</translation>
    </message>
    <message>
        <source>per street between junctions</source>
        <translation>per gata mellan korsningar</translation>
    </message>
    <message>
        <source>per straight piece (depthmapX segment map)</source>
        <translation>per rak del (segmentkarta som i depthmapX)</translation>
    </message>
    <message>
        <source>Segment analysis</source>
        <translation>Segmentanalys</translation>
    </message>
</context>
</TS>

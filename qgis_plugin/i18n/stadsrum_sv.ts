<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="sv_SE" sourcelanguage="en">
<context>
    <name>stadsrum</name>
    <message>
        <source>Plausibility warnings: doubtful distances and links</source>
        <translation>Rimlighetsvarningar: tvivelaktiga avstånd och anslutningar</translation>
    </message>
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
        <source>Stadsrum: installing Python packages</source>
        <translation>Stadsrum: installerar Python-paket</translation>
    </message>
    <message>
        <source>Install Python packages…</source>
        <translation>Installera Python-paket…</translation>
    </message>
    <message>
        <source>Install them with Plugins &gt; Stadsrum &gt; Install Python packages (or the button in the message bar). They go into a folder of the plugin's own, matched to the numpy QGIS already has; QGIS's own packages are left as they are.</source>
        <translation>Installera dem med Insticksprogram &gt; Stadsrum &gt; Installera Python-paket (eller knappen i meddelandefältet). De hamnar i en egen mapp för insticksprogrammet, anpassade till den numpy som QGIS redan har; QGIS egna paket lämnas som de är.</translation>
    </message>
    <message>
        <source>Folder: {folder}</source>
        <translation>Mapp: {folder}</translation>
    </message>
    <message>
        <source>Install the Python packages Stadsrum needs into a folder of its own, matched to the numpy QGIS already has? QGIS's own packages are left as they are; removing the folder undoes it.</source>
        <translation>Installera Python-paketen som Stadsrum behöver i en egen mapp, anpassade till den numpy som QGIS redan har? QGIS egna paket lämnas som de är; tar du bort mappen är allt som förut.</translation>
    </message>
    <message>
        <source>From the internet</source>
        <translation>Från internet</translation>
    </message>
    <message>
        <source>From a folder of wheels…</source>
        <translation>Från en mapp med wheel-filer…</translation>
    </message>
    <message>
        <source>Folder of wheels (.whl files)</source>
        <translation>Mapp med wheel-filer (.whl)</translation>
    </message>
    <message>
        <source>Installing Python packages: progress and Cancel are in the task bar below.</source>
        <translation>Installerar Python-paket: förlopp och Avbryt finns i aktivitetsfältet nedtill.</translation>
    </message>
    <message>
        <source>Python packages installed. Restart QGIS to use them.</source>
        <translation>Python-paketen är installerade. Starta om QGIS för att använda dem.</translation>
    </message>
    <message>
        <source>Python packages installed and checked: Stadsrum is ready.</source>
        <translation>Python-paketen är installerade och kontrollerade: Stadsrum är redo.</translation>
    </message>
    <message>
        <source>Installing cancelled; nothing was changed.</source>
        <translation>Installationen avbröts; inget har ändrats.</translation>
    </message>
    <message>
        <source>Installing the Python packages failed; nothing was changed.</source>
        <translation>Installationen av Python-paketen misslyckades; inget har ändrats.</translation>
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
        <source>No run_metadata table in {path}: {error}</source>
        <translation>Ingen run_metadata-tabell i {path}: {error}</translation>
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
        <source>Stadsrum needs these Python packages in QGIS's Python: {packages}.</source>
        <translation>Stadsrum behöver de här Python-paketen i QGIS Python: {packages}.</translation>
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
        <source>Join lines that cross without a shared vertex</source>
        <translation>Koppla ihop linjer som korsar varandra utan gemensam brytpunkt</translation>
    </message>
    <message>
        <source>auto: decide from the data (a noded layer keeps bridges unjoined)</source>
        <translation>auto: avgör utifrån data (ett nodat skikt låter broar vara okopplade)</translation>
    </message>
    <message>
        <source>yes: join lines wherever they cross</source>
        <translation>ja: koppla ihop linjer överallt där de korsar varandra</translation>
    </message>
    <message>
        <source>no: never join lines that cross</source>
        <translation>nej: koppla aldrig ihop linjer som korsar varandra</translation>
    </message>
    <message>
        <source>Filter on the lines' columns (SQL)</source>
        <translation>Filter på linjernas kolumner (SQL)</translation>
    </message>
    <message>
        <source>Clip: only lines meeting this area (polygons)</source>
        <translation>Avgränsning: bara linjer som når detta område (polygoner)</translation>
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
        <source>Radii in metres, n = whole network, or a type: straight:500, steps:2, angular:90 (e.g. 400,800,n)</source>
        <translation>Radier i meter, n = hela nätet, eller en typ: straight:500, steps:2, angular:90 (t.ex. 400,800,n)</translation>
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
    <message>
        <source>Accessibility</source>
        <translation>Tillgänglighet</translation>
    </message>
    <message>
        <source>Attraction accessibility (place syntax)</source>
        <translation>Tillgänglighet till målpunkter (place syntax)</translation>
    </message>
    <message>
        <source>Attraction category field</source>
        <translation>Fält med målpunktens kategori</translation>
    </message>
    <message>
        <source>Attractions: shops, schools, stops... (points or polygons)</source>
        <translation>Målpunkter: butiker, skolor, hållplatser... (punkter eller polygoner)</translation>
    </message>
    <message>
        <source>Barrier analysis</source>
        <translation>Barriäranalys</translation>
    </message>
    <message>
        <source>Barrier category field (default: category)</source>
        <translation>Fält med barriärens kategori (standard: category)</translation>
    </message>
    <message>
        <source>Barrier effect per place</source>
        <translation>Barriäreffekt per plats</translation>
    </message>
    <message>
        <source>Barrier features and crossings closer than this are one (metres)</source>
        <translation>Barriärobjekt och passager närmare än så räknas som ett (meter)</translation>
    </message>
    <message>
        <source>Barrier stretches between crossings</source>
        <translation>Barriärsträckor mellan passager</translation>
    </message>
    <message>
        <source>Barriers</source>
        <translation>Barriärer</translation>
    </message>
    <message>
        <source>Barriers: railways, motorways, water... (lines or polygons)</source>
        <translation>Barriärer: järnvägar, motorleder, vatten... (linjer eller polygoner)</translation>
    </message>
    <message>
        <source>Buildings no new crossing may pass through (polygons)</source>
        <translation>Byggnader som ingen ny passage får gå genom (polygoner)</translation>
    </message>
    <message>
        <source>Candidate new crossings, ranked</source>
        <translation>Tänkbara nya passager, rangordnade</translation>
    </message>
    <message>
        <source>Choose this many new crossings together (0: none)</source>
        <translation>Välj så här många nya passager tillsammans (0: inga)</translation>
    </message>
    <message>
        <source>Spacing between new crossings: closer to a better one is left out (m, 0: off)</source>
        <translation>Minsta avstånd mellan nya passager: utelämna en som ligger närmare en bättre (m, 0: av)</translation>
    </message>
    <message>
        <source>Keep the best this many candidate new crossings (0: all)</source>
        <translation>Behåll så här många av de bästa tänkbara nya passagerna (0: alla)</translation>
    </message>
    <message>
        <source>Kept the best {kept} of {total} candidate new crossings</source>
        <translation>Behöll de {kept} bästa av {total} tänkbara nya passager</translation>
    </message>
    <message>
        <source>Compute the barrier effect (slower)</source>
        <translation>Beräkna barriäreffekten (långsammare)</translation>
    </message>
    <message>
        <source>Crossings</source>
        <translation>Passager</translation>
    </message>
    <message>
        <source>Decay exponent c (pow, curve, divide)</source>
        <translation>Avtagandets exponent c (pow, curve, divide)</translation>
    </message>
    <message>
        <source>Detour</source>
        <translation>Omväg</translation>
    </message>
    <message>
        <source>Detour grid spacing (metres)</source>
        <translation>Rutnätets avstånd för omvägar (meter)</translation>
    </message>
    <message>
        <source>Detour measured from</source>
        <translation>Omvägen mäts från</translation>
    </message>
    <message>
        <source>Detour per place</source>
        <translation>Omväg per plats</translation>
    </message>
    <message>
        <source>Distance decay of reach</source>
        <translation>Avståndsavtagande för räckvidden</translation>
    </message>
    <message>
        <source>Distances and accessibility</source>
        <translation>Avstånd och tillgänglighet</translation>
    </message>
    <message>
        <source>Distances and routes (place to node)</source>
        <translation>Avstånd och vägar (plats till nod)</translation>
    </message>
    <message>
        <source>Draw the routes (otherwise straight lines)</source>
        <translation>Rita vägarna (annars raka linjer)</translation>
    </message>
    <message>
        <source>Field naming the barrier each feature belongs to</source>
        <translation>Fält som anger vilken barriär varje objekt hör till</translation>
    </message>
    <message>
        <source>Keep only the nearest node of each category</source>
        <translation>Behåll bara närmaste nod i varje kategori</translation>
    </message>
    <message>
        <source>Keep only the nearest nodes of each place (0 = all)</source>
        <translation>Behåll bara de närmaste noderna för varje plats (0 = alla)</translation>
    </message>
    <message>
        <source>Key nodes: stations, schools, squares... (points or polygons)</source>
        <translation>Viktiga noder: stationer, skolor, torg... (punkter eller polygoner)</translation>
    </message>
    <message>
        <source>Largest distance from a place or node to a street (metres)</source>
        <translation>Största avstånd från en plats eller nod till en gata (meter)</translation>
    </message>
    <message>
        <source>Largest distance from a proposal's end to a street (metres)</source>
        <translation>Största avstånd från förslagets ände till en gata (meter)</translation>
    </message>
    <message>
        <source>Largest distance from an attraction or origin to a street (metres)</source>
        <translation>Största avstånd från en målpunkt eller startpunkt till en gata (meter)</translation>
    </message>
    <message>
        <source>Longest new crossing to consider (metres)</source>
        <translation>Längsta nya passage att pröva (meter)</translation>
    </message>
    <message>
        <source>Node category field (station, school, ...)</source>
        <translation>Fält med nodens kategori (station, skola, ...)</translation>
    </message>
    <message>
        <source>Node id field</source>
        <translation>Fält med nodens id</translation>
    </message>
    <message>
        <source>Only these barrier categories (e.g. railway,water; empty: all)</source>
        <translation>Bara de här barriärkategorierna (t.ex. railway,water; tomt: alla)</translation>
    </message>
    <message>
        <source>Origins: address points or places (empty: every street segment)</source>
        <translation>Startpunkter: adresspunkter eller platser (tomt: varje gatusegment)</translation>
    </message>
    <message>
        <source>Place id field</source>
        <translation>Fält med platsens id</translation>
    </message>
    <message>
        <source>Place-to-node distances and service areas</source>
        <translation>Avstånd från platser till noder och serviceområden</translation>
    </message>
    <message>
        <source>Places (points or polygons)</source>
        <translation>Platser (punkter eller polygoner)</translation>
    </message>
    <message>
        <source>Places, for detours and rankings (points or polygons)</source>
        <translation>Platser, för omvägar och rangordning (punkter eller polygoner)</translation>
    </message>
    <message>
        <source>Polygons join the streets</source>
        <translation>Polygoner ansluter till gatorna</translation>
    </message>
    <message>
        <source>Proposal id field</source>
        <translation>Fält med förslagets id</translation>
    </message>
    <message>
        <source>Proposal: new streets or bridges (lines)</source>
        <translation>Förslag: nya gator eller broar (linjer)</translation>
    </message>
    <message>
        <source>Reach limits, minutes of walking (e.g. 10,15)</source>
        <translation>Gränser för räckvidd, gångminuter (t.ex. 10,15)</translation>
    </message>
    <message>
        <source>Scenario per place</source>
        <translation>Scenario per plats</translation>
    </message>
    <message>
        <source>Scenario: routes before and after the proposal</source>
        <translation>Scenario: vägar före och efter förslaget</translation>
    </message>
    <message>
        <source>Service area limits, minutes of walking (e.g. 5,10,15)</source>
        <translation>Gränser för serviceområden, gångminuter (t.ex. 5,10,15)</translation>
    </message>
    <message>
        <source>Service area streets</source>
        <translation>Gator i serviceområden</translation>
    </message>
    <message>
        <source>Service areas within radii too: walking metres, straight:500, steps:2, angular:90 (empty = none)</source>
        <translation>Serviceområden även inom radier: gångmeter, straight:500, steps:2, angular:90 (tomt = inga)</translation>
    </message>
    <message>
        <source>Service areas</source>
        <translation>Serviceområden</translation>
    </message>
    <message>
        <source>Summary per place (table)</source>
        <translation>Sammanfattning per plats (tabell)</translation>
    </message>
    <message>
        <source>Value of each attraction (numeric field, e.g. floor area)</source>
        <translation>Värde för varje målpunkt (numeriskt fält, t.ex. bruttoarea)</translation>
    </message>
    <message>
        <source>Radii: walking metres, n = no limit, and radius types straight:500, steps:2, angular:90 (e.g. 300,600,n)</source>
        <translation>Radier: gångmeter, n = ingen gräns, och radietyper straight:500, steps:2, angular:90 (t.ex. 300,600,n)</translation>
    </message>
    <message>
        <source>Walking speed (metres per second)</source>
        <translation>Gånghastighet (meter per sekund)</translation>
    </message>
    <message>
        <source>Weight of the nodes (numeric field)</source>
        <translation>Nodernas vikt (numeriskt fält)</translation>
    </message>
    <message>
        <source>Weight of the places (numeric field, e.g. population)</source>
        <translation>Platsernas vikt (numeriskt fält, t.ex. befolkning)</translation>
    </message>
    <message>
        <source>Widest gap bridged when a barrier is made permeable (metres)</source>
        <translation>Största lucka som överbryggas när barriären görs genomsläpplig (meter)</translation>
    </message>
    <message>
        <source>a regular grid of points near the streets</source>
        <translation>ett regelbundet rutnät av punkter nära gatorna</translation>
    </message>
    <message>
        <source>at their centroid</source>
        <translation>i sin tyngdpunkt</translation>
    </message>
    <message>
        <source>at their entrances (where the outline meets the streets)</source>
        <translation>vid sina entréer (där konturen möter gatorna)</translation>
    </message>
    <message>
        <source>curve: S-shaped, half at half the radius (PST)</source>
        <translation>kurva: S-formad, hälften vid halva radien (PST)</translation>
    </message>
    <message>
        <source>divide: (distance + 1)^-c (PST)</source>
        <translation>division: (avstånd + 1)^-c (PST)</translation>
    </message>
    <message>
        <source>exponential: falls fast, then slowly</source>
        <translation>exponentiell: faller snabbt, sedan långsamt</translation>
    </message>
    <message>
        <source>gaussian: stays high, then falls towards the radius</source>
        <translation>gaussisk: håller sig hög, faller sedan mot radien</translation>
    </message>
    <message>
        <source>linear: falls evenly to nothing at the radius</source>
        <translation>linjär: faller jämnt till noll vid radien</translation>
    </message>
    <message>
        <source>none: every attraction in reach counts fully</source>
        <translation>inget: varje målpunkt inom räckhåll räknas fullt</translation>
    </message>
    <message>
        <source>pow: 1 - (distance/radius)^c (PST)</source>
        <translation>potens: 1 - (avstånd/radie)^c (PST)</translation>
    </message>
    <message>
        <source>the midpoint of every street segment</source>
        <translation>mittpunkten på varje gatusegment</translation>
    </message>
    <message>
        <source>Accessibility radii in metres, n = no limit (e.g. 300,600,n)</source>
        <translation>Radier för tillgänglighet i meter, n = ingen gräns (t.ex. 300,600,n)</translation>
    </message>
    <message>
        <source>Accessibility: change</source>
        <translation>Tillgänglighet: förändring</translation>
    </message>
    <message>
        <source>Attractions, for accessibility before and after (points or polygons)</source>
        <translation>Målpunkter, för tillgänglighet före och efter (punkter eller polygoner)</translation>
    </message>
    <message>
        <source>Compare before and after a proposal</source>
        <translation>Jämför före och efter ett förslag</translation>
    </message>
    <message>
        <source>Compare the segment analysis (space syntax)</source>
        <translation>Jämför segmentanalysen (space syntax)</translation>
    </message>
    <message>
        <source>Distances: change per place</source>
        <translation>Avstånd: förändring per plats</translation>
    </message>
    <message>
        <source>Distances: change per route</source>
        <translation>Avstånd: förändring per väg</translation>
    </message>
    <message>
        <source>Field saying add or remove (empty: every line is added)</source>
        <translation>Fält som säger lägg till eller ta bort (tomt: varje linje läggs till)</translation>
    </message>
    <message>
        <source>Places, for distances before and after (points or polygons)</source>
        <translation>Platser, för avstånd före och efter (punkter eller polygoner)</translation>
    </message>
    <message>
        <source>Plan proposals</source>
        <translation>Planförslag</translation>
    </message>
    <message>
        <source>Proposal: streets the plan adds or removes (lines)</source>
        <translation>Förslag: gator som planen lägger till eller tar bort (linjer)</translation>
    </message>
    <message>
        <source>Segment analysis: change</source>
        <translation>Segmentanalys: förändring</translation>
    </message>
    <message>
        <source>Segment measures to compare</source>
        <translation>Segmentmått att jämföra</translation>
    </message>
    <message>
        <source>No default style for {layer}: {error}</source>
        <translation>Ingen standardstil för {layer}: {error}</translation>
    </message>
    <message>
        <source>The style could not be stored in {path}: {error}</source>
        <translation>Stilen kunde inte sparas i {path}: {error}</translation>
    </message>
    <message>
        <source>Key nodes from a GTFS feed</source>
        <translation>Knutpunkter från en GTFS-tidtabell</translation>
    </message>
    <message>
        <source>GTFS feed (.zip)</source>
        <translation>GTFS-tidtabell (.zip)</translation>
    </message>
    <message>
        <source>Service day YYYY-MM-DD (empty: the feed's first full weekday)</source>
        <translation>Trafikdag ÅÅÅÅ-MM-DD (tom: tidtabellens första fulla vardag)</translation>
    </message>
    <message>
        <source>Time window for departures per hour (HH:MM-HH:MM)</source>
        <translation>Tidsfönster för avgångar per timme (TT:MM-TT:MM)</translation>
    </message>
    <message>
        <source>Modes (none chosen: all)</source>
        <translation>Trafikslag (inget valt: alla)</translation>
    </message>
    <message>
        <source>train</source>
        <translation>tåg</translation>
    </message>
    <message>
        <source>metro</source>
        <translation>tunnelbana</translation>
    </message>
    <message>
        <source>tram</source>
        <translation>spårväg</translation>
    </message>
    <message>
        <source>ferry</source>
        <translation>båt</translation>
    </message>
    <message>
        <source>bus</source>
        <translation>buss</translation>
    </message>
    <message>
        <source>taxi (on demand)</source>
        <translation>taxi (anropsstyrd)</translation>
    </message>
    <message>
        <source>other</source>
        <translation>övrigt</translation>
    </message>
    <message>
        <source>Key nodes</source>
        <translation>Knutpunkter</translation>
    </message>
    <message>
        <source>{count} key nodes, departures per hour on {date} {window}</source>
        <translation>{count} knutpunkter, avgångar per timme {date} {window}</translation>
    </message>
    <message>
        <source>People and areas (segregation, co-presence)</source>
        <translation>Människor och områden (segregation, samnärvaro)</translation>
    </message>
    <message>
        <source>Population: address or building points, or DeSO polygons</source>
        <translation>Befolkning: adress- eller byggnadspunkter, eller DeSO-polygoner</translation>
    </message>
    <message>
        <source>Total population field</source>
        <translation>Fält med total befolkning</translation>
    </message>
    <message>
        <source>Group fields, a comma list (e.g. born_sweden,born_abroad)</source>
        <translation>Gruppfält, en lista med komma (t.ex. inrikes,utrikes)</translation>
    </message>
    <message>
        <source>Areas: DeSO, RegSO, districts (polygons)</source>
        <translation>Områden: DeSO, RegSO, stadsdelar (polygoner)</translation>
    </message>
    <message>
        <source>Area id field</source>
        <translation>Fält med områdets id</translation>
    </message>
    <message>
        <source>SCB statistics tables for the areas (CSV or JSON-stat)</source>
        <translation>SCB-tabeller för områdena (CSV eller JSON-stat)</translation>
    </message>
    <message>
        <source>Candidate meeting sites (empty: every street segment)</source>
        <translation>Tänkbara mötesplatser (tomt: varje gatusegment)</translation>
    </message>
    <message>
        <source>Existing meeting places (points or polygons)</source>
        <translation>Befintliga mötesplatser (punkter eller polygoner)</translation>
    </message>
    <message>
        <source>Limits, minutes of walking (e.g. 5,10,15)</source>
        <translation>Gränser, minuters gång (t.ex. 5,10,15)</translation>
    </message>
    <message>
        <source>Local environment, minutes of walking (e.g. 10)</source>
        <translation>Lokal omgivning, minuters gång (t.ex. 10)</translation>
    </message>
    <message>
        <source>2012 criteria: employment=FIELD,income_support=FIELD,eligibility=FIELD</source>
        <translation>2012 års kriterier: employment=FÄLT,income_support=FÄLT,eligibility=FÄLT</translation>
    </message>
    <message>
        <source>Buildings to spread polygon population over (polygons)</source>
        <translation>Byggnader att fördela polygonernas befolkning på (polygoner)</translation>
    </message>
    <message>
        <source>Largest distance from a resident or node to a street (metres)</source>
        <translation>Största avstånd från en boende eller nod till en gata (meter)</translation>
    </message>
    <message>
        <source>Areas: accessibility by group</source>
        <translation>Områden: tillgänglighet per grupp</translation>
    </message>
    <message>
        <source>Area to area: mean walk between residents (table)</source>
        <translation>Område till område: medelgångväg mellan de boende (tabell)</translation>
    </message>
    <message>
        <source>Potential co-presence per street</source>
        <translation>Potentiell samnärvaro per gata</translation>
    </message>
    <message>
        <source>Meeting sites, ranked by balanced reach</source>
        <translation>Mötesplatser, rangordnade efter jämn räckvidd</translation>
    </message>
    <message>
        <source>Segregation indices (table)</source>
        <translation>Segregationsindex (tabell)</translation>
    </message>
    <message>
        <source>Residents as points, with their local environment</source>
        <translation>Boende som punkter, med sin lokala omgivning</translation>
    </message>
    <message>
        <source>through points every 20 m round the outline</source>
        <translation>genom punkter var 20:e meter runt konturen</translation>
    </message>
    <message>
        <source>Entrance points of the places (with the place id field)</source>
        <translation>Entrépunkter för platserna (med platsernas id-fält)</translation>
    </message>
    <message>
        <source>Entrance points of the key nodes (with the node id field)</source>
        <translation>Entrépunkter för de viktiga noderna (med nodernas id-fält)</translation>
    </message>
    <message>
        <source>People and areas before: GeoPackage of an areas run</source>
        <translation>Människor och områden före: GeoPackage från en områdeskörning</translation>
    </message>
    <message>
        <source>People and areas after: GeoPackage of an areas run</source>
        <translation>Människor och områden efter: GeoPackage från en områdeskörning</translation>
    </message>
    <message>
        <source>People and areas: change per area</source>
        <translation>Människor och områden: förändring per område</translation>
    </message>
    <message>
        <source>People and areas: change between areas (table)</source>
        <translation>Människor och områden: förändring mellan områden (tabell)</translation>
    </message>
    <message>
        <source>People and areas: change in co-presence per street</source>
        <translation>Människor och områden: förändring i samnärvaro per gata</translation>
    </message>
    <message>
        <source>People and areas: change in who reaches today's meeting places</source>
        <translation>Människor och områden: förändring i vilka som når dagens mötesplatser</translation>
    </message>
    <message>
        <source>People and areas: change in segregation indices (table)</source>
        <translation>Människor och områden: förändring i segregationsindex (tabell)</translation>
    </message>
    <message>
        <source>Give both areas runs, before and after, or neither.</source>
        <translation>Ange båda områdeskörningarna, före och efter, eller ingen av dem.</translation>
    </message>
    <message>
        <source>Give both the street network and the proposal, or neither.</source>
        <translation>Ange både gatunätet och förslaget, eller inget av dem.</translation>
    </message>
    <message>
        <source>Nothing to compare: give a street network and a proposal, or two areas runs (before and after).</source>
        <translation>Inget att jämföra: ange ett gatunät och ett förslag, eller två områdeskörningar (före och efter).</translation>
    </message>
    <message>
        <source>Group field: points sharing a value are one place</source>
        <translation>Gruppfält: punkter med samma värde är en plats</translation>
    </message>
    <message>
        <source>Entrance points of the attractions (field building_id)</source>
        <translation>Entrépunkter för målpunkterna (fältet building_id)</translation>
    </message>
    <message>
        <source>Entrance points of the origins (field building_id)</source>
        <translation>Entrépunkter för startpunkterna (fältet building_id)</translation>
    </message>
    <message>
        <source>Measures to write</source>
        <translation>Mått att skriva</translation>
    </message>
    <message>
        <source>Normalisation</source>
        <translation>Normering</translation>
    </message>
    <message>
        <source>Hillier, Yang &amp; Turner 2012, as depthmapX</source>
        <translation>Hillier, Yang &amp; Turner 2012, som depthmapX</translation>
    </message>
    <message>
        <source>as PST: integration_pst, nain_pst, nach_pst</source>
        <translation>som PST: integration_pst, nain_pst, nach_pst</translation>
    </message>
    <message>
        <source>Angle threshold for steps in degrees (0 = every move is a step)</source>
        <translation>Vinkeltröskel för steg i grader (0 = varje förflyttning är ett steg)</translation>
    </message>
    <message>
        <source>node count</source>
        <translation>antal segment (node count)</translation>
    </message>
    <message>
        <source>total depth</source>
        <translation>totalt djup (total depth)</translation>
    </message>
    <message>
        <source>mean depth</source>
        <translation>medeldjup (mean depth)</translation>
    </message>
    <message>
        <source>integration</source>
        <translation>integration</translation>
    </message>
    <message>
        <source>NAIN (normalised integration)</source>
        <translation>NAIN (normerad integration)</translation>
    </message>
    <message>
        <source>choice (through-movement)</source>
        <translation>choice (genomströmning)</translation>
    </message>
    <message>
        <source>NACH (normalised choice)</source>
        <translation>NACH (normerad genomströmning)</translation>
    </message>
    <message>
        <source>reach length (metres of street)</source>
        <translation>räckviddslängd (meter gata)</translation>
    </message>
    <message>
        <source>total depth, length-weighted</source>
        <translation>totalt djup, längdviktat</translation>
    </message>
    <message>
        <source>integration, length-weighted</source>
        <translation>integration, längdviktad</translation>
    </message>
    <message>
        <source>choice, length-weighted</source>
        <translation>choice, längdviktad</translation>
    </message>
    <message>
        <source>harmonic closeness</source>
        <translation>harmonisk närhet</translation>
    </message>
    <message>
        <source>Report of results (HTML and PDF)</source>
        <translation>Rapport över resultat (HTML och PDF)</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>Resultat</translation>
    </message>
    <message>
        <source>Swedish</source>
        <translation>svenska</translation>
    </message>
    <message>
        <source>English</source>
        <translation>engelska</translation>
    </message>
    <message>
        <source>Result layers or GeoPackages written by Stadsrum</source>
        <translation>Resultatlager eller GeoPackage-filer som Stadsrum skrev</translation>
    </message>
    <message>
        <source>Or a folder of result GeoPackages</source>
        <translation>Eller en mapp med resultatfiler (GeoPackage)</translation>
    </message>
    <message>
        <source>Report language</source>
        <translation>Rapportens språk</translation>
    </message>
    <message>
        <source>Title (empty: Urban space analysis)</source>
        <translation>Titel (tom: Stadsrumsanalys)</translation>
    </message>
    <message>
        <source>Report folder</source>
        <translation>Rapportmapp</translation>
    </message>
    <message>
        <source>Report (HTML)</source>
        <translation>Rapport (HTML)</translation>
    </message>
    <message>
        <source>Report (PDF)</source>
        <translation>Rapport (PDF)</translation>
    </message>
    <message>
        <source>The layer {layer} is not in a GeoPackage: choose layers of the GeoPackages Stadsrum wrote.</source>
        <translation>Lagret {layer} ligger inte i en GeoPackage-fil: välj lager ur de GeoPackage-filer som Stadsrum skrev.</translation>
    </message>
    <message>
        <source>Choose result layers or a folder of result GeoPackages.</source>
        <translation>Välj resultatlager eller en mapp med resultatfiler (GeoPackage).</translation>
    </message>
    <message>
        <source>Report written to {path}</source>
        <translation>Rapporten skrevs till {path}</translation>
    </message>
    <message>
        <source>Run a study file</source>
        <translation>Kör en studiefil</translation>
    </message>
    <message>
        <source>Study file (.toml)</source>
        <translation>Studiefil (.toml)</translation>
    </message>
    <message>
        <source>Study files (*.toml)</source>
        <translation>Studiefiler (*.toml)</translation>
    </message>
    <message>
        <source>Results folder</source>
        <translation>Resultatmapp</translation>
    </message>
    <message>
        <source>Written: {path}</source>
        <translation>Skrevs: {path}</translation>
    </message>
    <message>
        <source>Existing meeting places, ranked among the sites</source>
        <translation>Befintliga mötesplatser, rangordnade bland platserna</translation>
    </message>
    <message>
        <source>{path} does not say which analysis wrote it (it has no run_metadata table): the report shows it under other results. Results of a study (Run a study file) or of the command line are reported in full.</source>
        <translation>{path} säger inte vilken analys som skrev den (den saknar tabellen run_metadata): rapporten visar den under övriga resultat. Resultat från en studie (Kör en studiefil) eller från kommandoraden rapporteras fullständigt.</translation>
    </message>
    <message>
        <source>Attraction and OD betweenness (PST)</source>
        <translation>Attraction och OD betweenness (PST)</translation>
    </message>
    <message>
        <source>Origins: where trips start (points or polygons)</source>
        <translation>Startpunkter: där resor börjar (punkter eller polygoner)</translation>
    </message>
    <message>
        <source>Destinations or attractions: where trips end (points or polygons)</source>
        <translation>Målpunkter: där resor slutar (punkter eller polygoner)</translation>
    </message>
    <message>
        <source>Analysis</source>
        <translation>Analys</translation>
    </message>
    <message>
        <source>OD betweenness: each origin's weight shared over the destinations</source>
        <translation>OD betweenness: varje startpunkts vikt fördelas över målpunkterna</translation>
    </message>
    <message>
        <source>Attraction betweenness: to every attraction within the radius</source>
        <translation>Attraction betweenness: till varje målpunkt inom radien</translation>
    </message>
    <message>
        <source>Weight of each origin (numeric field, e.g. residents; empty: 1 each)</source>
        <translation>Vikt för varje startpunkt (numeriskt fält, t.ex. boende; tomt: 1 var)</translation>
    </message>
    <message>
        <source>Weight of each destination (numeric field, e.g. jobs; empty: 1 each)</source>
        <translation>Vikt för varje målpunkt (numeriskt fält, t.ex. arbetsplatser; tomt: 1 var)</translation>
    </message>
    <message>
        <source>OD betweenness: destinations</source>
        <translation>OD betweenness: målpunkter</translation>
    </message>
    <message>
        <source>all reachable destinations</source>
        <translation>alla nåbara målpunkter</translation>
    </message>
    <message>
        <source>the closest destination only</source>
        <translation>endast närmaste målpunkt</translation>
    </message>
    <message>
        <source>Routes minimise</source>
        <translation>Vägar minimerar</translation>
    </message>
    <message>
        <source>metric (shortest routes)</source>
        <translation>metrisk (kortaste vägar)</translation>
    </message>
    <message>
        <source>angular (fewest degrees of turning)</source>
        <translation>vinkel (minst svängar i grader)</translation>
    </message>
    <message>
        <source>steps (fewest changes of street)</source>
        <translation>steg (minst antal byten av gata)</translation>
    </message>
    <message>
        <source>Longest route in metres, links included; n = no limit; or a type: straight:500, steps:2, angular:90 (e.g. 800,n)</source>
        <translation>Längsta väg i meter, anslutningar inräknade; n = ingen gräns; eller en typ: straight:500, steps:2, angular:90 (t.ex. 800,n)</translation>
    </message>
    <message>
        <source>Largest distance from an origin or destination to a street (metres)</source>
        <translation>Största avstånd från en start- eller målpunkt till en gata (meter)</translation>
    </message>
    <message>
        <source>Steps: least turn in degrees that counts (0: every change of street)</source>
        <translation>Steg: minsta sväng i grader som räknas (0: varje byte av gata)</translation>
    </message>
    <message>
        <source>Betweenness</source>
        <translation>Betweenness</translation>
    </message>
    <message>
        <source>Plausibility warnings: doubtful links</source>
        <translation>Rimlighetsvarningar: tveksamma anslutningar</translation>
    </message>
    <message>
        <source>Dask scheduler for large analyses (local, local-cluster, tcp://host:port or a .json file)</source>
        <translation>Dask-schemaläggare för stora analyser (local, local-cluster, tcp://värd:port eller en .json-fil)</translation>
    </message>
    <message>
        <source>Stadsrum's setting “{0}” (Settings &gt; Options &gt; Processing &gt; Providers &gt; Stadsrum): {1}</source>
        <translation>Stadsrums inställning ”{0}” (Inställningar &gt; Alternativ &gt; Geobearbetning &gt; Dataplugin &gt; Stadsrum): {1}</translation>
    </message>
    <message>
        <source>The analysis runs on Dask ({0}), as Stadsrum's setting “{1}” says</source>
        <translation>Analysen körs på Dask ({0}), enligt Stadsrums inställning ”{1}”</translation>
    </message>
    <message>
        <source>A local cluster's worker processes need QGIS's Python interpreter: {0}</source>
        <translation>Ett lokalt klusters arbetsprocesser behöver QGIS:s Python-tolk: {0}</translation>
    </message>
</context>
</TS>

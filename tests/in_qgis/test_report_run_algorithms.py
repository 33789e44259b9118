"""``stadsrum:report`` and ``stadsrum:run`` in a real QGIS: the report and a
whole study from inside QGIS and the Model Designer."""

from __future__ import annotations

import pytest

from in_qgis import QGIS_MISSING

pytest.importorskip("qgis.core", reason=QGIS_MISSING)

from qgis.core import QgsProcessingException, QgsVectorLayer

pytestmark = pytest.mark.qgis


def write_grid(path):
    """A 3 × 3 grid of streets 100 m apart (12 lines) in SWEREF 99 TM."""
    import geopandas as gpd
    from shapely.geometry import LineString

    lines = []
    for i in range(3):
        lines.append(LineString([(0, 100 * i), (200, 100 * i)]))
        lines.append(LineString([(100 * i, 0), (100 * i, 200)]))
    frame = gpd.GeoDataFrame({"name": [f"s{i}" for i in range(len(lines))]}, geometry=lines)
    frame.set_crs(3006).to_file(path, layer="streets", driver="GPKG")
    return path


@pytest.fixture(scope="module")
def result_gpkg(tmp_path_factory):
    """A segment analysis of the grid, written by the core as the CLI writes it."""
    import stadsrum as sr

    folder = tmp_path_factory.mktemp("results")
    network = write_grid(folder / "grid.gpkg")
    return sr.run_segments(network, folder / "segments.gpkg", radii="n").path


def test_report_of_a_result_layer_goes_to_the_chosen_folder(plugin, result_gpkg, tmp_path):
    """The result layer as a planner has it loaded; the report names the
    segment analysis and the title asked for, in the language asked for."""
    import processing

    layer = QgsVectorLayer(f"{result_gpkg}|layername=segments", "segments", "ogr")
    assert layer.isValid()
    out = tmp_path / "rapport"
    result = processing.run(
        "stadsrum:report",
        {"INPUT": [layer], "LANG": 1, "TITLE": "Grid test", "OUTPUT": str(out)},
    )
    assert result["OUTPUT"] == str(out)
    assert result["HTML"] == str(out / "report.html")
    assert (out / "report.pdf").stat().st_size > 1000
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Grid test" in html
    assert "segments.gpkg" in html
    assert "Spatial integration (space syntax)" in html


def test_report_without_results_is_one_clear_error(plugin, tmp_path):
    import processing

    with pytest.raises(QgsProcessingException, match="Choose result layers"):
        processing.run("stadsrum:report", {"OUTPUT": str(tmp_path / "r")})
    assert not (tmp_path / "r" / "report.html").exists()


def test_study_file_runs_and_says_where_it_wrote(plugin, tmp_path):
    """A study of the grid with a segment analysis at radius n, no report:
    the results folder holds segments.gpkg and a copy of the study file. The
    grid's 9 crossings cut its lines into 12 pieces; the 4 corners join only two
    streets, which preparation joins into one: 12 − 4 = 8 segments."""
    import processing

    write_grid(tmp_path / "grid.gpkg")
    study = tmp_path / "study.toml"
    study.write_text(
        'title = "Grid"\nout = "results"\n\n'
        '[network]\nsource = "grid.gpkg"\n\n'
        '[segments]\ncost = ["angular"]\nradii = ["n"]\n',
        encoding="utf-8",
    )
    result = processing.run("stadsrum:run", {"INPUT": str(study)})
    assert result["OUTPUT"] == str(tmp_path / "results")
    assert result["REPORT"] == ""
    layer = QgsVectorLayer(f"{tmp_path / 'results' / 'segments.gpkg'}|layername=segments")
    assert layer.isValid()
    assert layer.featureCount() == 8
    assert "integration_angular_rn" in layer.fields().names()
    assert (tmp_path / "results" / "study.toml").is_file()


def test_study_file_with_a_mistake_is_one_clear_error(plugin, tmp_path):
    import processing

    study = tmp_path / "study.toml"
    study.write_text('out = "results"\n\n[network]\nsource = "missing.gpkg"\n', encoding="utf-8")
    with pytest.raises(QgsProcessingException, match=r"missing\.gpkg"):
        processing.run("stadsrum:run", {"INPUT": str(study)})
    assert not (tmp_path / "results").exists()


def test_report_of_a_folder_and_a_layer_outside_a_geopackage(plugin, result_gpkg, tmp_path):
    """A folder of results is reported like its files; a layer in memory has no
    result file behind it and is refused with its name."""
    import processing

    result = processing.run(
        "stadsrum:report", {"FOLDER": str(result_gpkg.parent), "OUTPUT": str(tmp_path / "f")}
    )
    assert "segments.gpkg" in (tmp_path / "f" / "report.html").read_text(encoding="utf-8")
    assert result["PDF"] == str(tmp_path / "f" / "report.pdf")
    scratch = QgsVectorLayer("LineString?crs=EPSG:3006", "scratch lines", "memory")
    with pytest.raises(QgsProcessingException, match="scratch lines is not in a GeoPackage"):
        processing.run("stadsrum:report", {"INPUT": [scratch], "OUTPUT": str(tmp_path / "g")})


def test_a_file_without_run_metadata_is_reported_with_a_warning(plugin, make_feedback, tmp_path):
    """A GeoPackage without run_metadata (written by another tool): the report still
    comes out, and the log says why that file shows under other results."""
    import processing
    from osgeo import ogr

    from in_qgis.test_segments_options import zigzag

    out = tmp_path / "mine.gpkg"
    processing.run(
        "stadsrum:segments", {"INPUT": zigzag(), "RADII": "n", "PREPARE": 1, "OUTPUT": str(out)}
    )
    # the plugin writes run_metadata since (test_swedish_qgis); take it out again
    source = ogr.Open(str(out), 1)
    names = [source.GetLayer(i).GetName() for i in range(source.GetLayerCount())]
    source.DeleteLayer(names.index("run_metadata"))
    source = None
    warnings: list[str] = []
    feedback = make_feedback()
    feedback.pushWarning = warnings.append
    result = processing.run(
        "stadsrum:report", {"INPUT": [str(out)], "OUTPUT": str(tmp_path / "r")}, feedback=feedback
    )
    assert (tmp_path / "r" / "report.html").is_file()
    assert result["HTML"] == str(tmp_path / "r" / "report.html")
    assert any("mine.gpkg" in w and "run_metadata" in w for w in warnings), warnings


def test_report_as_a_step_of_a_model(plugin, tmp_path):
    """A Model Designer model: a study file run, then the report of its results
    folder (the run's OUTPUT folder feeds the report's FOLDER)."""
    from qgis.core import (
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource,
        QgsProcessingModelParameter,
        QgsProcessingParameterFile,
    )

    write_grid(tmp_path / "grid.gpkg")
    study = tmp_path / "study.toml"
    study.write_text(
        'out = "results"\n\n[network]\nsource = "grid.gpkg"\n\n[segments]\nradii = ["n"]\n',
        encoding="utf-8",
    )
    model = QgsProcessingModelAlgorithm("study and report", "stadsrum tests")
    model.addModelParameter(
        QgsProcessingParameterFile("study", "Study"), QgsProcessingModelParameter("study")
    )
    run = QgsProcessingModelChildAlgorithm("stadsrum:run")
    run.setChildId("run")
    run.addParameterSources(
        "INPUT", [QgsProcessingModelChildParameterSource.fromModelParameter("study")]
    )
    model.addChildAlgorithm(run)
    report = QgsProcessingModelChildAlgorithm("stadsrum:report")
    report.setChildId("report")
    report.addParameterSources(
        "FOLDER", [QgsProcessingModelChildParameterSource.fromChildOutput("run", "OUTPUT")]
    )
    report.addParameterSources(
        "OUTPUT",
        [QgsProcessingModelChildParameterSource.fromStaticValue(str(tmp_path / "report"))],
    )
    report.addParameterSources("LANG", [QgsProcessingModelChildParameterSource.fromStaticValue(1)])
    model.addChildAlgorithm(report)
    ok = model.run({"study": str(study)}, QgsProcessingContext(), QgsProcessingFeedback())[1]
    assert ok
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    # the study's segment analysis has its own section, not "other results"
    assert "Spatial integration (space syntax)" in html
    assert "Other results" not in html

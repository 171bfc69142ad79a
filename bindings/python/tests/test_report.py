"""Reports and charts (causal.Report / causal.Chart): structure of the
HTML, SVG and Markdown, escaping, well-formed XML (xml.etree), errors,
saving, and use with results and DataFrames."""

import os
import xml.etree.ElementTree as ET

import pytest

import causal
from conftest import requires

pytestmark = requires("causal_report_new", "causal_chart_new")

SVG = "{http://www.w3.org/2000/svg}"
ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..",
                                     ".."))


def full_report():
    rep = causal.Report("Demo <report> & co", digits=3)
    rep.add_heading("Balance").add_paragraph("Before & after <matching>.")
    rep.add_love_plot(["age", "educ", "black"], [0.31, 0.12, 1.7],
                      [0.02, 0.04, float("nan")])
    rep.add_histograms({"control": [0.1, 0.2, 0.25, 0.4],
                        "treated": [0.5, 0.6, 0.65, 0.9]}, bins=5,
                       xlabel="Propensity score")
    rep.add_event_study([-2, -1, 0, 1], [0.1, 0.0, 0.8, 1.1],
                        [-0.2, float("nan"), 0.5, 0.7],
                        [0.4, float("nan"), 1.1, 1.5], reference=-1)
    rep.add_forest_plot(["RCT", "Observational", "Fused"], [1.0, 1.4, 1.1],
                        [0.2, 1.2, 0.7], [1.8, 1.6, 1.5], truth=[1, 1, 1])
    rep.add_densities([0, 1, 2, 3], {"A": [0, .5, .3, 0], "B": [0, .2, .6, .1]})
    rep.add_lines({"power": ([10, 20, 40], [0.2, 0.5, 0.9])}, "Power",
                  markers=True, ylim=(0, 1), hlines=[(0.8, "80%")])
    rep.add_keyvalue({"n": 100, "effect": 0.123456789})
    rep.add_table([["a", 1.5], ["b|c", None]], columns=["name", "value"],
                  caption="T")
    rep.add_numeric_table([[1.0, 2.0], [3.0, float("nan")]],
                          columns=["x", "y"], index=["r1", "r2"])
    return rep


def test_html_structure_and_xml():
    rep = full_report()
    h = rep.to_html()
    root = ET.fromstring(h.encode("utf-8"))  # polyglot XHTML
    svgs = list(root.iter(SVG + "svg"))
    assert len(svgs) == 6
    titles = [s.find(SVG + "title").text for s in svgs]
    assert titles == ["Covariate balance", "Overlap", "Event study",
                      "Estimates", "Posterior densities", "Power"]
    assert all(s.get("role") == "img" for s in svgs)
    assert "<title>Demo &lt;report&gt; &amp; co</title>" in h
    assert "<p>Before &amp; after &lt;matching&gt;.</p>" in h
    assert "<dt>effect</dt><dd>0.123457</dd>" in h
    assert "<td>b|c</td><td></td>" in h
    assert "<script" not in h and "http://" not in h.replace(
        "http://www.w3.org/2000/svg", "").replace(
        "http://www.w3.org/1999/xhtml", "")
    assert rep.to_html() == h  # deterministic
    assert full_report().to_html() == h


def test_markdown():
    rep = full_report()
    m = rep.to_markdown()
    assert m.startswith("# Demo \\<report\\> \\& co\n")
    assert "## Balance" in m
    assert "| Covariate | Before adjustment | After adjustment |" in m
    assert "| black | 1.7 | NA |" in m
    assert "| RCT | 1 [0.2, 1.8] | 1 |" in m
    assert "| b\\|c |  |" in m
    assert "data:image" not in m
    rep2 = causal.Report("x", markdown_images=True)
    rep2.add_chart(causal.Chart("line", "L").line([0, 1], [1, 2], "s"))
    assert m.count("<img") == 0
    assert rep2.to_markdown().count("data:image/svg+xml;base64,") == 1


def test_chart_svg_and_chaining():
    c = causal.Chart("interval", "ES", xlabel="t", ylabel="beta",
                     caption="cap", width=500, height=300)
    c.intervals([0, 1, 2], [0.1, 0.2, 0.3], [0, 0.1, 0.2],
                [0.2, 0.3, 0.4], "est").refline(0, "y", "zero")
    svg = c.to_svg()
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.get("width") == "500.00"
    assert root.find(SVG + "desc").text == "cap"
    assert c._repr_svg_() == svg
    assert causal.Chart("line", "empty")._repr_svg_() is None


def test_result_in_report():
    df = causal.read_csv(os.path.join(ROOT, "data", "lalonde.csv"))
    r = causal.ols(df, "re78", ["treat", "age"])
    rep = causal.Report("OLS")
    rep.add_result(r, caption="fit")
    h = rep.to_html()
    assert "<td>treat</td>" in h
    assert '<p class="caption">fit</p>' in h
    with pytest.raises(TypeError):
        rep.add_result("not a result")
    with pytest.raises(TypeError):
        rep.add_chart(r)


def test_errors():
    c = causal.Chart("line", "t")
    with pytest.raises(causal.NonFiniteError, match=r"y\[1\] is NaN"):
        c.line([1, 2, 3], [1, float("nan"), 3], "s")
    with pytest.raises(causal.DimensionError):
        c.line([1, 2, 3], [1, 2], "s")
    with pytest.raises(causal.InvalidArgumentError, match="empty"):
        c.line([], [], "s")
    with pytest.raises(causal.InvalidArgumentError, match="no series"):
        c.to_svg()
    with pytest.raises(causal.TypeMismatchError):
        c.histogram([1, 2])
    with pytest.raises(ValueError):
        causal.Chart("pie", "t")
    with pytest.raises(causal.OutOfRangeError):
        causal.Chart("line", "t", width=10)
    f = causal.Chart("forest", "f").rows(["a", "b"])
    with pytest.raises(causal.DimensionError, match="2 rows"):
        f.row_intervals([1, 2, 3])
    with pytest.raises(ValueError):
        f.refline(0, "z")
    with pytest.raises(causal.InvalidArgumentError):
        causal.Report("")
    rep = causal.Report("r")
    with pytest.raises(causal.OutOfRangeError):
        rep.add_heading("x", level=1)
    with pytest.raises(causal.DimensionError):
        rep.add_table([["a"]], columns=["x", "y"])
    with pytest.raises(causal.InvalidArgumentError):
        rep.add_chart(causal.Chart("line", "no data"))


def test_save(tmp_path):
    rep = full_report()
    p = rep.save(str(tmp_path / "r.html"))
    assert open(p, encoding="utf-8").read() == rep.to_html()
    q = rep.save(str(tmp_path / "r.md"))
    assert open(q, encoding="utf-8").read() == rep.to_markdown()
    rep.save(str(tmp_path / "r.txt"), format="markdown")
    with pytest.raises(ValueError):
        rep.save(str(tmp_path / "x"), format="pdf")
    assert rep._repr_html_().startswith("<!DOCTYPE html>")


def test_dataframe_table():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"x": [1.5, 2.25], "y": ["a", "b"]},
                      index=pd.Index(["r1", "r2"], name="row"))
    rep = causal.Report("df").add_table(df)
    h = rep.to_html()
    assert "<th scope=\"col\">row</th><th scope=\"col\">x</th>" in h
    assert "<td>r2</td><td>2.25</td><td>b</td>" in h


def test_unicode_and_closed():
    rep = causal.Report("β ≤ 5%")
    assert "<h1>β ≤ 5%</h1>" in rep.to_html()
    rep.close()
    with pytest.raises(ValueError):
        rep.to_html()

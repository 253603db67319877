using System.Globalization;
using System.Xml.Linq;
using MLOps.Drift.Web;

namespace MLOps.Drift.Tests;

/// <summary>
/// The drift page's histogram layout: the legend was drawn on the title's row, from x = 290, so a feature's title with
/// its method and scores ran under the legend's "reference" key (seen on the genre chart, rendered in Chromium).
/// </summary>
public sealed class SvgLayoutTests
{
    private const double TitleDescent = 3, LegendAscent = 10;

    [Fact]
    public void Bars_TheLegendIsOnARowBelowTheTitle_AndAboveTheBars()
    {
        var svg = XDocument.Parse(Svg.Bars("servedGenre (jensenshannon 0.1523, PSI 0.1890) with a longer title than any feature's",
            ["Action", "Comedy", "Documentary"], [0.2, 0.3, 0.5], [0.6, 0.3, 0.1], "hist-genre"));
        var elements = svg.Descendants().ToList();
        double Y(XElement e) => double.Parse((string)e.Attribute("y")!, CultureInfo.InvariantCulture);
        string? Class(XElement e) => (string?)e.Attribute("class");

        var title = elements.Single(e => e.Name.LocalName == "text" && Class(e) == "title");
        var legendTexts = elements.Where(e => e.Name.LocalName == "text" && Class(e) == "legend").ToList();
        var legendKeys = elements.Where(e => e.Name.LocalName == "rect" && Class(e) == "legend-key").ToList();
        var bars = elements.Where(e => e.Name.LocalName == "rect" && Class(e) is "bar-reference" or "bar-current").ToList();

        Assert.Equal(["reference", "current"], legendTexts.Select(t => t.Value));
        var legendTop = legendTexts.Select(t => Y(t) - LegendAscent).Concat(legendKeys.Select(Y)).Min();
        Assert.True(legendTop > Y(title) + TitleDescent, $"the legend starts at y {legendTop}, inside the title's row (baseline {Y(title)})");
        var legendBottom = legendKeys.Select(k => Y(k) + double.Parse((string)k.Attribute("height")!, CultureInfo.InvariantCulture)).Max();
        Assert.True(bars.Min(Y) >= legendBottom, $"the tallest bar reaches y {bars.Min(Y)}, above the legend's bottom {legendBottom}");
    }
}

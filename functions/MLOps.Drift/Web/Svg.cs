using System.Globalization;
using System.Net;
using System.Text;

namespace MLOps.Drift.Web;

/// <summary>Server-side SVG plots (no JavaScript, no CDN): grouped bars, lines with threshold rules, a timeline.</summary>
internal static class Svg
{
    private const string RefColor = "#8c9bab";
    private const string CurColor = "#d9480f";

    /// <summary>
    /// Reference and current bars per label. The title has the first row to itself and the legend the second
    /// (<see cref="LegendBaseline"/>): a feature's title with its method and scores ("genre (jensenshannon 0.1523, PSI
    /// 0.189)") ran under a legend drawn on the title's row. The margins hold the 35°-rotated labels (up to 12 characters).
    /// </summary>
    public static string Bars(string title, IReadOnlyList<string> labels, IReadOnlyList<double> reference, IReadOnlyList<double> current, string testId)
    {
        const int width = 460, height = 224, left = 40, right = 50, bottom = 68, top = LegendBaseline + 10;
        var n = Math.Max(labels.Count, 1);
        var max = Math.Max(reference.Concat(current).DefaultIfEmpty(0).Max(), 1e-9);
        var slot = (double)(width - left - right) / n;
        var plotH = height - bottom - top;
        var sb = Open(width, height, title, testId, "histogram");
        sb.Append(Text(left, TitleBaseline, title, "title"));
        sb.Append(Legend(left, LegendBaseline));
        sb.Append(Line(left, top + plotH, width - right, top + plotH, "#444"));
        sb.Append(Text(2, top + 8, Pct(max), "axis"));
        for (var i = 0; i < labels.Count; i++)
        {
            var x = left + i * slot;
            var bw = Math.Max(slot / 2 - 1.5, 1);
            var rh = reference[i] / max * plotH;
            var ch = current[i] / max * plotH;
            sb.Append(Rect(x + 1, top + plotH - rh, bw, rh, RefColor, $"reference {labels[i]}: {Pct(reference[i])}", "bar-reference"));
            sb.Append(Rect(x + 1 + bw, top + plotH - ch, bw, ch, CurColor, $"current {labels[i]}: {Pct(current[i])}", "bar-current"));
            var label = labels[i].Length > 12 ? labels[i][..11] + "…" : labels[i];
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x + slot / 2)}\" y=\"{F(top + plotH + 10)}\" class=\"tick\" transform=\"rotate(35 {F(x + slot / 2)} {F(top + plotH + 10)})\">{E(label)}</text>");
        }
        return sb.Append("</svg>").ToString();
    }

    /// <summary>One line per series over x = 0..n−1, with horizontal rules at <paramref name="rules"/>. A NaN value is no
    /// point (a check that did not judge the feature): the line breaks there rather than dropping to zero.</summary>
    public static string Lines(string title, IReadOnlyList<string> xLabels, IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series, IReadOnlyList<(double Y, string Label)> rules, string testId)
    {
        const int width = 700, height = 240, left = 44, bottom = 36, top = 22, right = 130;
        var plotW = width - left - right;
        var plotH = height - bottom - top;
        var max = Math.Max(series.SelectMany(s => s.Values).Where(double.IsFinite).Concat(rules.Select(r => r.Y * 1.2)).DefaultIfEmpty(1).Max(), 1e-9);
        var n = Math.Max(xLabels.Count, 1);
        double X(int i) => left + (n == 1 ? plotW / 2.0 : (double)i / (n - 1) * plotW);
        double Y(double v) => top + plotH - v / max * plotH;
        var sb = Open(width, height, title, testId, "lines");
        sb.Append(Text(left, 14, title, "title"));
        sb.Append(Line(left, top + plotH, left + plotW, top + plotH, "#444"));
        sb.Append(Line(left, top, left, top + plotH, "#444"));
        sb.Append(Text(2, top + 8, F(max), "axis"));
        foreach (var (y, label) in rules)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{F(Y(y))}\" x2=\"{left + plotW}\" y2=\"{F(Y(y))}\" stroke=\"#c92a2a\" stroke-dasharray=\"4 3\" stroke-width=\"1\"/>");
            sb.Append(Text(left + plotW + 4, Y(y) + 4, label, "axis"));
        }
        var palette = new[] { "#1971c2", "#2f9e44", "#e8590c", "#6741d9", "#c2255c", "#0c8599", "#5c940d", "#862e9c", "#495057" };
        for (var s = 0; s < series.Count; s++)
        {
            var color = palette[s % palette.Length];
            foreach (var run in FiniteRuns(series[s].Values))
            {
                var points = string.Join(" ", run.Select(i => $"{F(X(i))},{F(Y(series[s].Values[i]))}"));
                sb.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{points}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\" class=\"series\"><title>{E(series[s].Name)}</title></polyline>");
            }
            for (var i = 0; i < series[s].Values.Count; i++)
                if (double.IsFinite(series[s].Values[i]))
                    sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(X(i))}\" cy=\"{F(Y(series[s].Values[i]))}\" r=\"2.5\" fill=\"{color}\"><title>{E(series[s].Name)} {E(xLabels[i])}: {F(series[s].Values[i])}</title></circle>");
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{width - right + 40}\" y=\"{top + s * 14}\" width=\"10\" height=\"10\" fill=\"{color}\"/>");
            sb.Append(Text(width - right + 54, top + s * 14 + 9, series[s].Name, "legend"));
        }
        if (xLabels.Count > 0)
        {
            sb.Append(Text(left, height - 8, xLabels[0], "axis"));
            if (xLabels.Count > 1) sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + plotW}\" y=\"{height - 8}\" class=\"axis\" text-anchor=\"end\">{E(xLabels[^1])}</text>");
        }
        return sb.Append("</svg>").ToString();
    }

    /// <summary>The index runs of consecutive finite values.</summary>
    private static IEnumerable<List<int>> FiniteRuns(IReadOnlyList<double> values)
    {
        var run = new List<int>();
        for (var i = 0; i < values.Count; i++)
        {
            if (double.IsFinite(values[i])) { run.Add(i); continue; }
            if (run.Count > 0) { yield return run; run = []; }
        }
        if (run.Count > 0) yield return run;
    }

    public static string Timeline(string title, IReadOnlyList<(string Label, DateTimeOffset From, DateTimeOffset To, string Severity, string Status)> items, string testId)
    {
        const int width = 700, left = 10, right = 10, row = 16, top = 26;
        var height = top + Math.Max(items.Count, 1) * row + 24;
        var sb = Open(width, height, title, testId, "timeline");
        sb.Append(Text(left, 14, title, "title"));
        if (items.Count == 0) { sb.Append(Text(left, top + 12, "no alerts", "axis")); return sb.Append("</svg>").ToString(); }
        var min = items.Min(i => i.From);
        var max = items.Max(i => i.To);
        var span = Math.Max((max - min).TotalSeconds, 3600);
        double X(DateTimeOffset t) => left + (t - min).TotalSeconds / span * (width - left - right - 260);
        for (var k = 0; k < items.Count; k++)
        {
            var (label, from, to, severity, status) = items[k];
            var color = severity == "critical" ? "#c92a2a" : "#f08c00";
            var y = top + k * row;
            var x1 = X(from);
            var w = Math.Max(X(to) - x1, 5);
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(x1)}\" y=\"{y}\" width=\"{F(w)}\" height=\"{row - 5}\" fill=\"{color}\" opacity=\"{(status == "resolved" ? "0.35" : "0.9")}\" class=\"alert-mark\"><title>{E(label)} ({severity}, {status})</title></rect>");
            sb.Append(Text(width - 255, y + 9, $"{(status == "resolved" ? "✓ " : "")}{label}", "legend"));
        }
        sb.Append(Text(left, height - 6, min.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC", "axis"));
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{width - 270}\" y=\"{height - 6}\" class=\"axis\" text-anchor=\"end\">{E(max.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))} UTC</text>");
        return sb.Append("</svg>").ToString();
    }

    private static StringBuilder Open(int width, int height, string title, string testId, string kind) =>
        new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{E(title)}\" class=\"plot plot-{kind}\" data-testid=\"{E(testId)}\">");

    /// <summary>The title's baseline and, a row below, the legend's (its keys span 8 above to 2 below it).</summary>
    internal const int TitleBaseline = 14, LegendBaseline = 30;

    private static string Legend(int x, int y) =>
        $"<rect x=\"{x}\" y=\"{y - 8}\" width=\"10\" height=\"10\" fill=\"{RefColor}\" class=\"legend-key\"/><text x=\"{x + 14}\" y=\"{y + 1}\" class=\"legend\">reference</text>"
        + $"<rect x=\"{x + 85}\" y=\"{y - 8}\" width=\"10\" height=\"10\" fill=\"{CurColor}\" class=\"legend-key\"/><text x=\"{x + 99}\" y=\"{y + 1}\" class=\"legend\">current</text>";

    private static string Rect(double x, double y, double w, double h, string fill, string tip, string cls) =>
        string.Create(CultureInfo.InvariantCulture, $"<rect x=\"{F(x)}\" y=\"{F(y)}\" width=\"{F(w)}\" height=\"{F(Math.Max(h, 0))}\" fill=\"{fill}\" class=\"{cls}\"><title>{E(tip)}</title></rect>");

    private static string Line(double x1, double y1, double x2, double y2, string stroke) =>
        string.Create(CultureInfo.InvariantCulture, $"<line x1=\"{F(x1)}\" y1=\"{F(y1)}\" x2=\"{F(x2)}\" y2=\"{F(y2)}\" stroke=\"{stroke}\"/>");

    private static string Text(double x, double y, string text, string cls) =>
        string.Create(CultureInfo.InvariantCulture, $"<text x=\"{F(x)}\" y=\"{F(y)}\" class=\"{cls}\">{E(text)}</text>");

    internal static string F(double v) => double.IsFinite(v) ? v.ToString("0.##", CultureInfo.InvariantCulture) : "0";
    internal static string Pct(double v) => (v * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
    internal static string E(string s) => WebUtility.HtmlEncode(s);
}

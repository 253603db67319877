namespace MLOps.Drift.Tests;

/// <summary>What a check records as <c>mlops.drift.score</c>, which the Azure <c>drift-score</c> rule alerts on (PSI ≥ 0.25).</summary>
public sealed class DriftMetricsTests
{
    [Fact]
    public void ScorePoints_HoldPsiAndTheTestScoreOfJudgedFeatures_NothingOfFeaturesWithTooFewRows()
    {
        var report = new DriftReport
        {
            Id = "r", Window = "2024-05-01", Reference = new ReferenceInfo { Status = "snapshot" },
            Quality = new DataQuality(), Volume = new VolumeCheck { Baseline = "none" },
            Features =
            [
                new FeatureDrift { Name = "genre", Method = "jensenshannon", Score = 0.04, Psi = 0.03 },
                // 12 rows: PSI 1.7 is what a dozen values give, and the check did not judge it.
                new FeatureDrift { Name = "rating", Method = "none", Psi = 1.7, CurrentRows = 12, Note = "not judged: 12 rows, fewer than 30" },
            ],
        };

        Assert.Equal([("genre", "psi", 0.03), ("genre", "jensenshannon", 0.04)], DriftChecker.ScorePoints(report));
        // The page shows the same: no score, threshold or PSI for the feature the check did not judge.
        var page = Web.DriftPage.Render([report], [], interactive: false);
        Assert.Contains("<tr><td>rating</td><td>none</td><td>–</td><td>–</td><td class=\"ok\">no</td><td>–</td>", page);
        Assert.Contains("rating (not judged: too few rows)", page);
        Assert.DoesNotContain("PSI 1.7", page);
    }

    [Fact]
    public void PsiOverTime_LeavesOutChecksThatDidNotJudgeOrHaveTheFeature_RatherThanPlottingTheirPsiOrZero()
    {
        static DriftReport Report(string window, params FeatureDrift[] features) => new()
        {
            Id = window, Window = window, Reference = new ReferenceInfo { Status = "snapshot" },
            Quality = new DataQuality(), Volume = new VolumeCheck { Baseline = "none" }, Features = features,
        };
        var reports = new[]
        {
            Report("2024-05-01", new FeatureDrift { Name = "genre", Method = "jensenshannon", Psi = 0.03 }, new FeatureDrift { Name = "rating", Method = "chisquare", Psi = 0.05 }),
            Report("2024-05-02", new FeatureDrift { Name = "genre", Method = "jensenshannon", Psi = 0.04 },
                new FeatureDrift { Name = "rating", Method = "none", Psi = 1.7, CurrentRows = 12, Note = "not judged: 12 rows, fewer than 30" }),
            Report("2024-05-03", new FeatureDrift { Name = "genre", Method = "jensenshannon", Psi = 0.02 }),
            Report("2024-05-04", new FeatureDrift { Name = "genre", Method = "jensenshannon", Psi = 0.06 }, new FeatureDrift { Name = "rating", Method = "chisquare", Psi = 0.08 }),
        };

        var page = Web.DriftPage.Render(reports, [], interactive: false);
        var chart = page[page.IndexOf("data-testid=\"psi-over-time\"", StringComparison.Ordinal)..];
        chart = chart[..(chart.IndexOf("</svg>", StringComparison.Ordinal) + 6)];

        Assert.Contains("<title>rating 2024-05-01: ", chart);
        Assert.Contains("<title>rating 2024-05-04: ", chart);
        Assert.DoesNotContain("<title>rating 2024-05-02", chart); // not judged: its PSI of a dozen rows is no finding
        Assert.DoesNotContain("<title>rating 2024-05-03", chart); // that check had no rating rows: not a zero
        // The rating line breaks into two one-point runs; genre stays one line of four points.
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(chart, "<polyline ").Count);
        Assert.Equal(6, System.Text.RegularExpressions.Regex.Matches(chart, "<circle ").Count);
    }
}

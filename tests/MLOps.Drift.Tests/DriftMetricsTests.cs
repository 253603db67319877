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
}

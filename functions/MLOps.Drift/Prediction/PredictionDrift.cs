using System.Globalization;
using MLOps.Drift.Window;
using MLOps.Features.Statistics;

namespace MLOps.Drift.Prediction;

/// <summary>
/// The served side of prediction drift: against the champion's evaluation when its version has a
/// <see cref="PredictionReference"/>, else against what was served in the reference period (docs/drift.md).
/// </summary>
public static class PredictionDrift
{
    public const string Evaluation = "evaluation";
    public const string TrainingEvents = "training-events";

    /// <summary>
    /// Served score, genre mix and popularity deciles of the window's scored exposures: the lists the model chose and that were
    /// asked for as the evaluation ranks, so fallback titles and filtered lists do not count against the evaluation.
    /// </summary>
    public static IEnumerable<FeatureValues> Served(PredictionReference reference, WindowAggregate aggregate)
    {
        yield return new FeatureValues(DriftFeatures.ServedScore, FeatureKind.Numeric, 0, aggregate.ServedScores, null);
        if (aggregate.TitleIds.Count == 0) yield break;
        yield return new FeatureValues(DriftFeatures.ServedGenre, FeatureKind.Categorical, 0, null, new Dictionary<string, long>(aggregate.ScoredGenres, StringComparer.Ordinal));
        yield return new FeatureValues(DriftFeatures.ServedPopularity, FeatureKind.Categorical, 0, null,
            PopularityDeciles.Profile(reference.Popularity, aggregate.TitleIds.Select((id, i) => (id, aggregate.TitleScored[i]))));
    }

    public static ServedSummary Summary(DriftReference reference, WindowAggregate aggregate)
    {
        var champion = reference.ModelVersion is { } v ? $"champion {reference.Model} v{v}" : "the reference";
        var current = aggregate.ServedScores.Length > 0 ? FeatureStatisticsBuilder.Quantile(aggregate.ServedScores, 0.5) : (double?)null;
        if (reference.Prediction is not { } p)
            return new ServedSummary
            {
                Reference = TrainingEvents, Exposures = aggregate.Exposures, ScoredExposures = aggregate.ScoredExposures, Models = aggregate.ServedModels,
                CurrentScoreMedian = current,
                Source = $"what was served in the reference period ({reference.Source}): "
                    + (reference.Kind == "champion"
                        ? $"{champion} has no evaluation reference (registered before prediction references existed)"
                        : "an explicit reference (a range of days) carries no model evaluation")
                    + ", so served scores are not compared",
            };
        return new ServedSummary
        {
            Reference = Evaluation, Exposures = aggregate.Exposures, ScoredExposures = aggregate.ScoredExposures, Models = aggregate.ServedModels,
            ReferenceScoreMedian = p.Feature(DriftFeatures.ServedScore)?.Quantiles is { Length: 11 } q ? q[5] : null, CurrentScoreMedian = current,
            Source = $"evaluation of {champion}: {p.Source}",
            Note = aggregate.Exposures > 0 && aggregate.ScoredExposures == 0
                ? string.Create(CultureInfo.InvariantCulture, $"none of the window's {aggregate.Exposures} exposures carries a score (fallback titles, filtered or diversified lists, records from before serving logged scores): prediction drift is not judged")
                : null,
        };
    }
}

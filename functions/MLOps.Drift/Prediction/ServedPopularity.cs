using MLOps.Features.Statistics;
using MLOps.Drift.Window;

namespace MLOps.Drift.Prediction;

/// <summary>
/// The reference's popularity ranking of catalogue titles: titles with at least one play, rating or click in the reference,
/// most interacted first (ties by content id), kept down to the top half of the catalogue (everything below is "bottom 50%").
/// </summary>
public sealed record PopularityRanking
{
    /// <summary>Catalogue size when the reference was computed: the bands are shares of it.</summary>
    public int CatalogTitles { get; init; }
    public required IReadOnlyList<string> Ranked { get; init; }
}

/// <summary>
/// Prediction drift by popularity: which reference popularity band each served title (impression / exposure) falls in.
/// A recommender that collapses onto the head, or wanders into the tail, moves mass between bands (docs/drift.md).
/// </summary>
public static class ServedPopularity
{
    public const string Top1 = "top 1%";
    public const string Top10 = "top 1–10%";
    public const string Top50 = "top 10–50%";
    public const string Bottom50 = "bottom 50%";
    public static readonly IReadOnlyList<string> Bands = [Top1, Top10, Top50, Bottom50];
    private static readonly double[] BandEnds = [0.01, 0.10, 0.50];

    /// <summary>The ranking of one window's titles (null without a catalogue).</summary>
    public static PopularityRanking? Rank(WindowAggregate aggregate)
    {
        if (aggregate.TitleIds.Count == 0) return null;
        var keep = RankLimit(aggregate.TitleIds.Count, BandEnds[^1]);
        var ranked = Enumerable.Range(0, aggregate.TitleIds.Count)
            .Where(i => aggregate.TitleInteractions[i] > 0)
            .OrderByDescending(i => aggregate.TitleInteractions[i]).ThenBy(i => aggregate.TitleIds[i], StringComparer.Ordinal)
            .Take(keep).Select(i => aggregate.TitleIds[i]).ToList();
        return new PopularityRanking { CatalogTitles = aggregate.TitleIds.Count, Ranked = ranked };
    }

    /// <summary>Served counts per band of <paramref name="ranking"/>; titles it does not rank (cold, new, never played) are bottom 50 %.</summary>
    public static FeatureValues Served(PopularityRanking ranking, WindowAggregate aggregate)
    {
        var band = new Dictionary<string, int>(ranking.Ranked.Count, StringComparer.Ordinal);
        var ends = BandEnds.Select(e => RankLimit(ranking.CatalogTitles, e)).ToArray();
        for (var r = 0; r < ranking.Ranked.Count; r++)
        {
            var b = 0;
            while (b < ends.Length && r >= ends[b]) b++;
            band[ranking.Ranked[r]] = b;
        }
        var counts = new long[Bands.Count];
        for (var i = 0; i < aggregate.TitleIds.Count; i++)
            if (aggregate.TitleServed[i] > 0)
                counts[band.TryGetValue(aggregate.TitleIds[i], out var b) ? b : Bands.Count - 1] += aggregate.TitleServed[i];
        return new FeatureValues(DriftFeatures.ServedPopularity, FeatureKind.Categorical, 0, null,
            Bands.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => counts[x.i], StringComparer.Ordinal));
    }

    /// <summary>Share of served titles in the reference's top 10 % (the two head bands) — the headline number of the popularity profile.</summary>
    public static double HeadShare(IReadOnlyDictionary<string, long> bands)
    {
        var total = bands.Values.Sum();
        return total == 0 ? 0 : (double)(bands.GetValueOrDefault(Top1) + bands.GetValueOrDefault(Top10)) / total;
    }

    /// <summary>How many ranks the top <paramref name="share"/> of <paramref name="titles"/> holds (at least one).</summary>
    private static int RankLimit(int titles, double share) => Math.Max(1, (int)Math.Ceiling(share * titles - 1e-9));
}

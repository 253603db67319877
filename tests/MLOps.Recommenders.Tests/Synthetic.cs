using MLOps.Core.Data;
using MLOps.Recommenders;

namespace MLOps.Recommenders.Tests;

/// <summary>Small synthetic data sets with a known answer.</summary>
internal static class Synthetic
{
    public static ItemIndex Items(int n) => new(Enumerable.Range(0, n).Select(i => $"i{i}"));

    public static string[] Users(int n) => Enumerable.Range(0, n).Select(u => $"u{u}").ToArray();

    /// <summary>
    /// Users fall into <paramref name="groups"/> taste groups; group g likes items with i % groups == g. Each user interacts with a
    /// random share of their group's items plus a little noise. Low-rank by construction.
    /// </summary>
    public static TrainingData Clustered(int users = 120, int items = 60, int groups = 4, double density = 0.5, double noise = 0.02, int seed = 7)
    {
        var random = new Random(seed);
        var list = new List<Interaction>();
        var t = 1_000_000L;
        for (var u = 0; u < users; u++)
            for (var i = 0; i < items; i++)
            {
                var liked = i % groups == u % groups;
                if (random.NextDouble() < (liked ? density : noise)) list.Add(new Interaction(u, i, 4, t++));
            }
        var catalog = Enumerable.Range(0, items).Select(i => (CatalogItem?)new CatalogItem
        {
            ContentId = $"i{i}", Title = $"Title {i} group{i % groups}", Genres = [$"genre{i % groups}"],
        }).ToArray();
        return new TrainingData(Items(items), Users(users), list, catalog);
    }
}

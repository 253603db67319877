using System.Text;
using MLOps.Core.Data;

namespace MLOps.Recommenders.Models;

/// <summary>
/// Content similarity for cold-start titles: each catalogue item becomes a TF-IDF vector over tokens g:genre (weight genre_weight),
/// t:tag (tag_weight), w:title word (title_weight) and d:release decade; vectors are L2-normalised, and each item keeps its top
/// `neighbours` by cosine. Works for items nobody interacted with yet, because it reads only the catalogue.
/// </summary>
public static class Content
{
    public static IReadOnlyDictionary<string, double> Defaults { get; } = new Dictionary<string, double>
    {
        ["neighbours"] = 50,
        ["genre_weight"] = 1,
        ["tag_weight"] = 1,
        ["title_weight"] = 0.5,
        ["decade_weight"] = 0.5,
    };

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal) { "the", "and", "of", "a", "an", "in", "on", "to", "for", "with", "la", "le", "les", "de", "el" };

    public static ItemItemRecommender Train(TrainingData data, IReadOnlyDictionary<string, double>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var p = PopularityRecommender.Merge(Defaults, parameters);
        ParameterRules.Whole("Content", p, "neighbours", 0);
        foreach (var weight in new[] { "genre_weight", "tag_weight", "title_weight", "decade_weight" }) ParameterRules.Number("Content", p, weight, 0);
        var n = data.ItemCount;
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        var docs = new (int Token, float Weight)[n][];
        for (var i = 0; i < n; i++)
        {
            var tokens = new Dictionary<int, float>();
            if (data.Catalog?[i] is { } item)
                foreach (var (token, weight) in Tokens(item, p))
                {
                    if (!vocabulary.TryGetValue(token, out var id)) vocabulary[token] = id = vocabulary.Count;
                    tokens[id] = Math.Max(tokens.GetValueOrDefault(id), weight);
                }
            docs[i] = tokens.Select(t => (t.Key, t.Value)).OrderBy(t => t.Key).ToArray();
        }
        var df = new int[vocabulary.Count];
        foreach (var doc in docs) foreach (var (t, _) in doc) df[t]++;
        var postings = new List<(int Item, float Weight)>[vocabulary.Count];
        for (var i = 0; i < n; i++)
        {
            var weighted = docs[i].Select(t => (t.Token, Weight: t.Weight * (float)(Math.Log((double)n / df[t.Token]) + 1))).ToArray();
            var norm = MathF.Sqrt(weighted.Sum(t => t.Weight * t.Weight));
            docs[i] = norm > 0 ? weighted.Select(t => (t.Token, t.Weight / norm)).ToArray() : [];
            foreach (var (t, w) in docs[i]) (postings[t] ??= []).Add((i, w));
        }
        var (offsets, neighbours, weights) = ItemItemRecommender.Prune(n, i =>
        {
            var acc = Accumulator.For(n);
            foreach (var (t, w) in docs[i])
                foreach (var (j, v) in postings[t])
                    if (j != i) acc.Add(j, w * v);
            return acc.Drain();
        }, (int)p["neighbours"]);
        return ItemItemRecommender.Sparse("content", data.Items, p, offsets, neighbours, weights);
    }

    private static IEnumerable<(string Token, float Weight)> Tokens(CatalogItem item, IReadOnlyDictionary<string, double> p)
    {
        foreach (var g in item.Genres) yield return ("g:" + g.ToLowerInvariant(), (float)p["genre_weight"]);
        foreach (var t in item.Tags) yield return ("t:" + t.ToLowerInvariant(), (float)p["tag_weight"]);
        var year = item.Year ?? item.ReleaseDate?.Year ?? MovieTitle.Year(item.Title);
        if (year is { } y) yield return ($"d:{y / 10 * 10}", (float)p["decade_weight"]);
        foreach (var w in Words(item.Title + " " + item.Description)) yield return ("w:" + w, (float)p["title_weight"]);
    }

    private static IEnumerable<string> Words(string text)
    {
        var word = new StringBuilder();
        foreach (var c in text.Append(' '))
        {
            if (char.IsLetter(c)) { word.Append(char.ToLowerInvariant(c)); continue; }
            if (word.Length >= 3 && !StopWords.Contains(word.ToString())) yield return word.ToString();
            word.Clear();
        }
    }
}

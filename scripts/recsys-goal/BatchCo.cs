using MLOps.Recommenders;

/// Batch co-occurrence: 76 % of ML-100k's ratings share their exact second with another rating of the same user (the
/// site took ratings a page at a time). Counts pairs rated by one user within `gapSeconds` of each other (chained, so a
/// batch is a run of ratings with gaps ≤ gapSeconds), normalised by (c_i·c_j)^power over the items' batch counts; a
/// user's score sums the rows of their history items.
public sealed class BatchCo : IRecommender
{
    readonly float[] w; readonly int n;
    public string Kind => "batchco";
    public ItemIndex Items { get; }
    public BatchCo(TrainingData data, long gapSeconds, double power)
    {
        Items = data.Items; n = data.ItemCount; w = new float[n * n];
        var c = new double[n];
        for (var u = 0; u < data.UserCount; u++)
        {
            var xs = data.UserInteractions(u).ToArray();
            Array.Sort(xs, (a, b) => a.Timestamp.CompareTo(b.Timestamp));
            var start = 0;
            for (var k = 1; k <= xs.Length; k++)
            {
                if (k < xs.Length && xs[k].Timestamp - xs[k - 1].Timestamp <= gapSeconds) continue;
                for (var a = start; a < k; a++)
                {
                    c[xs[a].Item]++;
                    for (var b = start; b < k; b++) if (a != b) w[xs[a].Item * n + xs[b].Item] += 1;
                }
                start = k;
            }
        }
        for (var i = 0; i < n; i++) for (var j = 0; j < n; j++) if (w[i * n + j] > 0) w[i * n + j] /= (float)Math.Pow(c[i] * c[j], power);
    }
    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        scores.Clear();
        foreach (var h in history) System.Numerics.Tensors.TensorPrimitives.Add(scores, w.AsSpan(h * n, n), scores);
    }
}

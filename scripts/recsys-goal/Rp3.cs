using MLOps.Recommenders;
public sealed class Rp3 : IRecommender
{
    readonly float[] w; readonly int n;
    public Rp3(TrainingData data, double alpha, double beta)
    {
        n = data.ItemCount; w = new float[n * n];
        var c = data.ItemCounts.ToArray();
        for (var u = 0; u < data.UserCount; u++)
        {
            var h = data.History(u);
            var pu = (float)Math.Pow(1.0 / h.Length, alpha);
            foreach (var i in h)
            {
                var pi = (float)Math.Pow(1.0 / c[i], alpha) * pu;
                foreach (var j in h) if (j != i) w[i * n + j] += pi;
            }
        }
        for (var j = 0; j < n; j++) { var s = c[j] == 0 ? 0 : (float)Math.Pow(c[j], -beta); for (var i = 0; i < n; i++) w[i * n + j] *= s; }
    }
    public string Kind => "rp3";
    public ItemIndex Items { get; init; } = null!;
    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        scores.Clear();
        foreach (var h in history) for (var j = 0; j < n; j++) scores[j] += w[h * n + j];
    }
}

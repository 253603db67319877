using MLOps.Recommenders;
public sealed class SeqCo : IRecommender
{
    readonly float[] w; readonly int n;
    public SeqCo(TrainingData data, int window, double power)
    {
        n = data.ItemCount; w = new float[n * n];
        var c = new float[n];
        for (var u = 0; u < data.UserCount; u++)
        {
            var h = data.History(u);
            for (var a = 0; a < h.Length; a++)
            {
                c[h[a]]++;
                for (var b = Math.Max(0, a - window); b < Math.Min(h.Length, a + window + 1); b++) if (b != a) w[h[a] * n + h[b]] += 1;
            }
        }
        for (var i = 0; i < n; i++) for (var j = 0; j < n; j++) if (w[i * n + j] > 0) w[i * n + j] /= (float)Math.Pow(c[i] * c[j], power);
    }
    public string Kind => "seq";
    public ItemIndex Items { get; init; } = null!;
    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        scores.Clear();
        foreach (var h in history) for (var j = 0; j < n; j++) scores[j] += w[h * n + j];
    }
}

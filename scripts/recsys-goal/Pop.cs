using MLOps.Recommenders;
public sealed class PopBoost(IRecommender inner, TrainingData data, float gamma) : IRecommender
{
    readonly float[] logc = data.ItemCounts.ToArray().Select(c => MathF.Log(1 + c)).ToArray();
    public string Kind => "pb";
    public ItemIndex Items => inner.Items;
    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        inner.Score(history, scores);
        double mean = 0; foreach (var s in scores) mean += s; mean /= scores.Length;
        double v = 0; foreach (var s in scores) v += (s - mean) * (s - mean); var sd = Math.Sqrt(v / scores.Length);
        for (var i = 0; i < scores.Length; i++) scores[i] = (float)((scores[i] - mean) / sd) + gamma * logc[i];
    }
}

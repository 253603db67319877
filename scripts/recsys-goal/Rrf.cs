using MLOps.Recommenders;
public sealed class Rrf(IRecommender[] parts, float[] w, float c) : IRecommender
{
    public string Kind => "rrf";
    public ItemIndex Items => parts[0].Items;
    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        scores.Clear();
        var tmp = new float[scores.Length];
        var idx = new int[scores.Length];
        for (var k = 0; k < parts.Length; k++)
        {
            parts[k].Score(history, tmp);
            foreach (var h in history) tmp[h] = float.NegativeInfinity;
            for (var i = 0; i < idx.Length; i++) idx[i] = i;
            var keys = tmp.Select(x => -x).ToArray();
            Array.Sort(keys, idx);
            for (var r = 0; r < idx.Length; r++) scores[idx[r]] += w[k] / (c + r + 1);
        }
    }
}

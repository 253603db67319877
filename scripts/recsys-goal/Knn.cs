using MLOps.Recommenders;
using MLOps.Recommenders.Evaluation;

public sealed class UserKnn(TrainingData data, int k, double shrink, double alpha, double power) : IRecommender
{
    readonly int[][] itemUsers = Build(data);
    readonly int[] userLen = Enumerable.Range(0, data.UserCount).Select(u => data.History(u).Length).ToArray();
    public string Kind => "uknn";
    public ItemIndex Items => data.Items;
    static int[][] Build(TrainingData d)
    {
        var l = new List<int>[d.ItemCount];
        for (var u = 0; u < d.UserCount; u++) foreach (var i in d.History(u)) (l[i] ??= []).Add(u);
        return l.Select(x => x?.ToArray() ?? []).ToArray();
    }
    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        var overlap = new float[data.UserCount];
        foreach (var i in history) foreach (var v in itemUsers[i]) overlap[v] += 1;
        var sim = new (float S, int V)[data.UserCount];
        for (var v = 0; v < data.UserCount; v++)
        {
            // asymmetric cosine: overlap / (|u|^alpha |v|^(1-alpha) + shrink)
            var s = overlap[v] == 0 ? 0 : overlap[v] / (Math.Pow(history.Length, alpha) * Math.Pow(userLen[v], 1 - alpha) + shrink);
            // exclude self (identical history) is impossible to know; skip users with overlap == |history| and same length
            if (overlap[v] == history.Length && userLen[v] == history.Length) s = 0;
            sim[v] = ((float)Math.Pow(s, power), v);
        }
        Array.Sort(sim, (a, b) => b.S.CompareTo(a.S));
        scores.Clear();
        for (var t = 0; t < Math.Min(k, sim.Length); t++)
        {
            if (sim[t].S <= 0) break;
            foreach (var j in data.History(sim[t].V)) scores[j] += sim[t].S;
        }
    }
}

public sealed class ZBlend(IRecommender[] parts, float[] w) : IRecommender
{
    public string Kind => "zb";
    public ItemIndex Items => parts[0].Items;
    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        scores.Clear();
        var tmp = new float[scores.Length];
        for (var k = 0; k < parts.Length; k++)
        {
            parts[k].Score(history, tmp);
            double mean = tmp.Average(); double sd = Math.Sqrt(tmp.Select(s => (s - mean) * (s - mean)).Average());
            if (sd == 0) sd = 1;
            for (var i = 0; i < tmp.Length; i++) scores[i] += (float)(w[k] * (tmp[i] - mean) / sd);
        }
    }
}

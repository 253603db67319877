using MLOps.Recommenders;

/// Recommenders' SAR as their benchmark notebook configures it (similarity_type="jaccard", time_decay_coefficient=30,
/// timedecay_formula=True, time_now = the latest train timestamp): affinity a[u, i] = rating · 0.5^((now − t) / 30 days), full
/// Jaccard item–item similarity (no neighbour pruning), score = a · S. A reference to check the split against their published row.
public sealed class SarReference : IRecommender
{
    readonly float[] _similarity; // items × items
    readonly Dictionary<int, float[]> _affinity = new();
    readonly int _n;
    readonly Dictionary<string, int> _byHistory = new();
    public string Kind => "sar-ref";
    public ItemIndex Items { get; }

    public SarReference(TrainingData data, double halfLifeDays = 30)
    {
        Items = data.Items; _n = data.ItemCount;
        var now = data.MaxTimestamp;
        var co = new float[_n * _n];
        for (var u = 0; u < data.UserCount; u++)
        {
            var h = data.History(u);
            foreach (var a in h) foreach (var b in h) co[a * _n + b]++;
            var aff = new float[_n];
            foreach (var x in data.UserInteractions(u)) aff[x.Item] += (float)(x.Rating * Math.Pow(0.5, (now - x.Timestamp) / (halfLifeDays * 86400)));
            _affinity[u] = aff;
            _byHistory[string.Join(',', h.ToArray())] = u;
        }
        _similarity = new float[_n * _n];
        for (var i = 0; i < _n; i++) for (var j = 0; j < _n; j++)
        {
            var c = co[i * _n + j];
            if (c > 0) _similarity[i * _n + j] = c / (co[i * _n + i] + co[j * _n + j] - c);
        }
    }

    public void Score(ReadOnlySpan<int> history, Span<float> scores)
    {
        var aff = _affinity[_byHistory[string.Join(',', history.ToArray())]];
        scores.Clear();
        for (var j = 0; j < _n; j++)
        {
            var a = aff[j];
            if (a == 0) continue;
            var row = _similarity.AsSpan(j * _n, _n);
            for (var i = 0; i < _n; i++) scores[i] += a * row[i];
        }
    }
}

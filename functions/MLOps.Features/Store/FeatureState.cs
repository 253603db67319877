using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MLOps.Features.Store;

/// <summary>
/// Mergeable aggregates of a set of event batches: per (user, title) pair aggregates plus daily counts for the
/// windowed features, none of which depends on the cutoff. A snapshot is a list of these segments (docs/features.md):
/// a refresh writes one for the batches it read, readers merge them and apply the cutoff.
/// </summary>
internal sealed class FeatureState
{
    // 2: fixed-point sums (FixedPoint); 3: decay weights per era (DecayedSum), since one grid let old events round to 0.
    // Older segments cannot be read (a refresh rebuilds them in full).
    private const int FormatVersion = 3;
    /// <summary>Daily counts older than this many days before the cutoff day can never enter a window again.</summary>
    public const int KeepDays = 31;

    public IdTable Users { get; private set; } = new();
    public IdTable Items { get; private set; } = new();
    public List<PairAggregate> Pairs { get; private set; } = [];
    private Dictionary<long, int> _pairIndex = new(PackedKeyComparer.Instance);
    public Dictionary<long, int> UserDays { get; private set; } = new(PackedKeyComparer.Instance);
    public Dictionary<long, int> ItemDays { get; private set; } = new(PackedKeyComparer.Instance);
    public long AnchorTicks { get; init; }
    public double HalfLifeDays { get; init; }
    public long EventsUsed { get; set; }

    /// <summary>Folds one batch's aggregates in (maps its local ids to ours once per distinct id).</summary>
    public void Merge(BatchPartial partial) => Merge(partial.Users, partial.Items, partial.Pairs, partial.UserDays, partial.ItemDays, partial.Used);

    /// <summary>Folds another state (a later segment of the same snapshot chain: same anchor and half-life) in.</summary>
    public void Merge(FeatureState other)
    {
        if (other.AnchorTicks != AnchorTicks || Math.Abs(other.HalfLifeDays - HalfLifeDays) > 1e-12)
            throw new InvalidDataException("Feature segments with different decay anchors or half-lives cannot be merged.");
        Merge(other.Users, other.Items, other.Pairs, other.UserDays, other.ItemDays, other.EventsUsed);
    }

    private void Merge(IdTable users, IdTable items, List<PairAggregate> pairs, Dictionary<long, int> userDays, Dictionary<long, int> itemDays, long used)
    {
        var userMap = new int[users.Count];
        for (var k = 0; k < userMap.Length; k++) userMap[k] = Users.Intern(users.Ids[k]);
        var itemMap = new int[items.Count];
        for (var k = 0; k < itemMap.Length; k++) itemMap[k] = Items.Intern(items.Ids[k]);
        if (_pairIndex.Count == 0 && Pairs.Count > 0) RebuildIndex();

        foreach (ref readonly var p in CollectionsMarshal.AsSpan(pairs))
        {
            var u = userMap[p.User];
            var i = itemMap[p.Item];
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_pairIndex, ((long)u << 32) | (uint)i, out var exists);
            if (!exists)
            {
                slot = Pairs.Count;
                Pairs.Add(new PairAggregate { User = u, Item = i, LastTicks = long.MinValue });
            }
            CollectionsMarshal.AsSpan(Pairs)[slot].Add(p);
        }
        foreach (var (key, count) in userDays)
            CollectionsMarshal.GetValueRefOrAddDefault(UserDays, ((long)userMap[(int)(key >> 32)] << 32) | (key & 0xFFFFFFFF), out _) += count;
        foreach (var (key, count) in itemDays)
            CollectionsMarshal.GetValueRefOrAddDefault(ItemDays, ((long)itemMap[(int)(key >> 32)] << 32) | (key & 0xFFFFFFFF), out _) += count;
        EventsUsed += used;
    }

    /// <summary>Drops daily counts no window ending at or after <paramref name="lastDay"/> can reach.</summary>
    public void Prune(long lastDay)
    {
        var oldest = lastDay - KeepDays;
        foreach (var key in UserDays.Keys.Where(k => (k & 0xFFFFFFFF) < oldest).ToList()) UserDays.Remove(key);
        foreach (var key in ItemDays.Keys.Where(k => (k & 0xFFFFFFFF) < oldest).ToList()) ItemDays.Remove(key);
    }

    private void RebuildIndex()
    {
        _pairIndex = new Dictionary<long, int>(Pairs.Count, PackedKeyComparer.Instance);
        var span = CollectionsMarshal.AsSpan(Pairs);
        for (var k = 0; k < span.Length; k++) _pairIndex[((long)span[k].User << 32) | (uint)span[k].Item] = k;
    }

    /// <summary>True when the segment starts with this build's format version (older ones hold floating-point sums).</summary>
    public static bool IsCurrentFormat(ReadOnlySpan<byte> head) => head.Length >= 4 && BitConverter.ToInt32(head) == FormatVersion;

    public BinaryData Serialize()
    {
        var buffer = new MemoryStream(64 + Pairs.Count * Unsafe.SizeOf<PairAggregate>() + (UserDays.Count + ItemDays.Count) * 12 + (Users.Count + Items.Count) * 16);
        using (var w = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(FormatVersion);
            w.Write(AnchorTicks);
            w.Write(HalfLifeDays);
            w.Write(EventsUsed);
            WriteIds(w, Users.Ids);
            WriteIds(w, Items.Ids);
            w.Write(Pairs.Count);
            w.Write(MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(Pairs)));
            WriteDays(w, UserDays);
            WriteDays(w, ItemDays);
        }
        return new BinaryData(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }

    public static FeatureState Deserialize(Stream stream)
    {
        using var r = new BinaryReader(new BufferedStream(stream, 1 << 16));
        if (r.ReadInt32() != FormatVersion) throw new InvalidDataException("Feature segment written in another format version: run 'mlops features refresh --full'.");
        var state = new FeatureState { AnchorTicks = r.ReadInt64(), HalfLifeDays = r.ReadDouble(), EventsUsed = r.ReadInt64() };
        foreach (var id in ReadIds(r)) state.Users.Intern(id);
        foreach (var id in ReadIds(r)) state.Items.Intern(id);
        var count = r.ReadInt32();
        var pairs = new PairAggregate[count];
        r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(pairs.AsSpan()));
        state.Pairs = [.. pairs];
        state.UserDays = ReadDays(r);
        state.ItemDays = ReadDays(r);
        return state;
    }

    internal static void WriteIds(BinaryWriter w, List<string> ids)
    {
        w.Write(ids.Count);
        foreach (var id in ids) w.Write(id);
    }

    internal static List<string> ReadIds(BinaryReader r)
    {
        var n = r.ReadInt32();
        var ids = new List<string>(n);
        for (var k = 0; k < n; k++) ids.Add(r.ReadString());
        return ids;
    }

    internal static void WriteDays(BinaryWriter w, Dictionary<long, int> days)
    {
        w.Write(days.Count);
        foreach (var (key, count) in days)
        {
            w.Write(key);
            w.Write(count);
        }
    }

    internal static Dictionary<long, int> ReadDays(BinaryReader r)
    {
        var n = r.ReadInt32();
        var days = new Dictionary<long, int>(n, PackedKeyComparer.Instance);
        for (var k = 0; k < n; k++) days[r.ReadInt64()] = r.ReadInt32();
        return days;
    }
}

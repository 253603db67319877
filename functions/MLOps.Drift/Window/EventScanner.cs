using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading.Channels;
using MLOps.Core.Data;
using MLOps.Storage;

namespace MLOps.Drift.Window;

/// <summary>What the parsers share: the window, the catalogue's genres, and the interned ids (read-only while scanning).</summary>
internal sealed class ScanContext
{
    public ScanContext(DriftWindow window, IReadOnlyList<CatalogItem>? catalog, bool countsOnly = false, bool accounts = true)
    {
        Accounts = accounts && !countsOnly;
        Window = window;
        StartTicks = window.Start.UtcTicks;
        EndTicks = window.End.UtcTicks;
        Hours = window.Hours;
        CountsOnly = countsOnly;
        if (catalog is { Count: > 0 })
        {
            var genreIds = new Dictionary<string, int>(StringComparer.Ordinal);
            var genres = new Dictionary<string, CatalogEntry>(catalog.Count, StringComparer.Ordinal);
            var ids = new List<string>(catalog.Count);
            foreach (var item in catalog)
            {
                if (genres.ContainsKey(item.ContentId)) continue;
                genres[item.ContentId] = new CatalogEntry(ids.Count,
                    item.Genres.Distinct(StringComparer.Ordinal).Select(g => genreIds.TryGetValue(g, out var id) ? id : genreIds[g] = genreIds.Count).ToArray());
                ids.Add(item.ContentId);
            }
            Titles = genres;
            ContentIds = [.. ids];
            TitleLookup = genres.GetAlternateLookup<ReadOnlySpan<char>>();
            GenreNames = genreIds.OrderBy(g => g.Value).Select(g => g.Key).ToArray();
        }
    }

    public DriftWindow Window { get; }
    public long StartTicks { get; }
    public long EndTicks { get; }
    public int Hours { get; }
    public bool CountsOnly { get; }
    /// <summary>Record each event's account, hour, country and device for account anomalies (16 bytes an event); a drift reference needs none.</summary>
    public bool Accounts { get; }
    /// <summary>Catalogue titles by content id: a dense index (per-title counters) and the title's genre ids.</summary>
    public Dictionary<string, CatalogEntry>? Titles { get; }
    public Dictionary<string, CatalogEntry>.AlternateLookup<ReadOnlySpan<char>> TitleLookup { get; }
    public string[] GenreNames { get; } = [];
    /// <summary>Content id per catalogue index.</summary>
    public string[] ContentIds { get; } = [];
    public Interner Users { get; } = new();
    public Interner Countries { get; } = new();
    public Interner Devices { get; } = new();
    /// <summary>Models named by scored exposures ("name vN").</summary>
    public Interner Models { get; } = new();
}

/// <summary>A catalogue title as the parsers see it: its index into per-title counters and its genre ids.</summary>
internal sealed record CatalogEntry(int Index, int[] Genres);

/// <summary>One event's account, hour, country and device ids (−1 = none): 16 bytes appended per event, grouped only for suspicious accounts.</summary>
internal readonly record struct Activity(int User, int Hour, int Country, int Device);

/// <summary>What one parser thread does with the chunks it is handed (each chunk ends at a line end).</summary>
internal interface IChunkProcessor
{
    void ProcessChunk(ReadOnlySpan<byte> chunk);
}

/// <summary>One parser's running totals. Nothing here is shared, so the hot loop takes no lock.</summary>
internal sealed class WindowAccumulator(ScanContext context) : IChunkProcessor
{
    public const int EventTypeCount = 6; // ViewingEvent.EventType values
    public long Lines, Events, Invalid, OutOfWindow, UnknownContent, DeviceNulls, CountryNulls, ViewNulls, RatingNulls, ScaleNulls;
    public readonly List<string> UnknownSamples = [];
    public readonly long[] EventTypes = new long[EventTypeCount];
    public long[] DeviceCounts = new long[16];
    public long[] CountryCounts = new long[64];
    public readonly long[] GenreCounts = new long[context.GenreNames.Length];
    public readonly long[] ServedGenreCounts = new long[context.GenreNames.Length];
    /// <summary>Per catalogue title: plays, ratings and clicks (its popularity) and how often it was served (impression / exposure).</summary>
    public readonly long[] TitleInteractions = new long[context.ContentIds.Length];
    public readonly long[] TitleServed = new long[context.ContentIds.Length];
    public readonly List<double> ViewSeconds = [];
    public readonly List<double> Ratings = [];
    public readonly Dictionary<double, long> RatingScales = [];
    public readonly long[] Hourly = new long[Math.Max(context.Hours, 0)];
    public readonly List<Activity> Activity = [];
    /// <summary>Exposures, and those carrying the model's score (serving's own picks in lists asked for as evaluated).</summary>
    public long Exposures, ScoredExposures;
    public readonly List<double> ServedScores = [];
    /// <summary>Per catalogue title: scored exposures (the served side of prediction drift against the champion's evaluation).</summary>
    public readonly long[] TitleScored = new long[context.ContentIds.Length];
    public long[] ModelCounts = new long[4];

    internal const int MaxId = 256;

    public void ProcessChunk(ReadOnlySpan<byte> chunk)
    {
        Span<char> user = stackalloc char[MaxId];
        Span<char> content = stackalloc char[MaxId];
        Span<char> device = stackalloc char[MaxId];
        Span<char> country = stackalloc char[MaxId];
        Span<char> model = stackalloc char[MaxId];
        foreach (var line in new NdjsonLines(chunk))
        {
            Lines++;
            try { ProcessLine(line, user, content, device, country, model); }
            catch (JsonException) { Invalid++; }
            catch (InvalidOperationException) { Invalid++; }
            catch (FormatException) { Invalid++; }
        }
    }

    private void ProcessLine(ReadOnlySpan<byte> line, Span<char> userBuf, Span<char> contentBuf, Span<char> deviceBuf, Span<char> countryBuf, Span<char> modelBuf)
    {
        var reader = new Utf8JsonReader(line);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) { Invalid++; return; }
        int userLen = -1, contentLen = -1, deviceLen = -1, countryLen = -1, modelLen = -1, type = 0;
        long ticks = long.MinValue;
        double view = double.NaN, rating = double.NaN, scale = double.NaN, score = double.NaN;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("userId"u8)) { reader.Read(); userLen = Copy(ref reader, userBuf); }
            else if (reader.ValueTextEquals("contentId"u8)) { reader.Read(); contentLen = Copy(ref reader, contentBuf); }
            else if (reader.ValueTextEquals("timestamp"u8)) { reader.Read(); if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var at)) ticks = at.UtcTicks; }
            else if (reader.ValueTextEquals("eventType"u8)) { reader.Read(); type = ParseType(ref reader); }
            else if (reader.ValueTextEquals("viewSeconds"u8)) { reader.Read(); view = Number(ref reader); }
            else if (reader.ValueTextEquals("rating"u8)) { reader.Read(); rating = Number(ref reader); }
            else if (reader.ValueTextEquals("ratingScaleMax"u8)) { reader.Read(); scale = Number(ref reader); }
            else if (reader.ValueTextEquals("device"u8)) { reader.Read(); deviceLen = Copy(ref reader, deviceBuf); }
            else if (reader.ValueTextEquals("country"u8)) { reader.Read(); countryLen = Copy(ref reader, countryBuf); }
            else if (reader.ValueTextEquals("score"u8)) { reader.Read(); score = Number(ref reader); }
            else if (reader.ValueTextEquals("model"u8)) { reader.Read(); modelLen = Copy(ref reader, modelBuf); }
            else { reader.Read(); reader.Skip(); }
        }
        if (userLen <= 0 || contentLen <= 0 || ticks == long.MinValue || type < 0) { Invalid++; return; }
        if (ticks < context.StartTicks || ticks >= context.EndTicks) { OutOfWindow++; return; }
        var eventType = (EventType)type;
        // Exposures are serving's output, not the audience's input: they feed prediction drift only, never the event count,
        // volume, input features, data quality or accounts. Counted there, serving's own log read as critical eventType
        // drift (exposure 0 % → 100 %) and started a retrain on every hourly check.
        if (eventType == EventType.Exposure)
        {
            if (!context.CountsOnly) Served(contentBuf[..contentLen], score, modelLen > 0 ? modelBuf[..modelLen] : []);
            return;
        }
        Events++;
        var hour = (int)((ticks - context.StartTicks) / TimeSpan.TicksPerHour);
        Hourly[hour]++;
        if (context.CountsOnly) return;

        EventTypes[type]++;
        var deviceId = -1;
        if (deviceLen <= 0) DeviceNulls++;
        else { deviceId = context.Devices.Id(deviceBuf[..deviceLen]); Increment(ref DeviceCounts, deviceId); }
        var countryId = -1;
        if (countryLen <= 0) CountryNulls++;
        else { countryId = context.Countries.Id(countryBuf[..countryLen]); Increment(ref CountryCounts, countryId); }

        if (context.Accounts) Activity.Add(new Activity(context.Users.Id(userBuf[..userLen]), hour, countryId, deviceId));

        if (context.Titles is not null)
        {
            if (!context.TitleLookup.TryGetValue(contentBuf[..contentLen], out var title))
            {
                UnknownContent++;
                if (UnknownSamples.Count < 10) UnknownSamples.Add(contentBuf[..contentLen].ToString());
            }
            else if (eventType == EventType.Impression)
            {
                TitleServed[title.Index]++;
                foreach (var g in title.Genres) ServedGenreCounts[g]++;
            }
            else if (eventType is EventType.Play or EventType.Rate or EventType.Click)
            {
                TitleInteractions[title.Index]++;
                foreach (var g in title.Genres) GenreCounts[g]++;
            }
        }
        if (eventType == EventType.Play)
        {
            if (double.IsNaN(view)) ViewNulls++; else ViewSeconds.Add(view);
        }
        if (eventType == EventType.Rate || !double.IsNaN(rating))
        {
            if (double.IsNaN(rating)) RatingNulls++;
            else
            {
                Ratings.Add(rating);
                if (double.IsNaN(scale)) ScaleNulls++;
                else CollectionsMarshal.GetValueRefOrAddDefault(RatingScales, scale, out _)++;
            }
        }
    }

    /// <summary>One exposure: a served title (and, when it carries the model's score, a scored one).</summary>
    private void Served(ReadOnlySpan<char> contentId, double score, ReadOnlySpan<char> model)
    {
        Exposures++;
        // Older exposure records have no score: they still count as served titles, just not in the score distribution.
        var scored = double.IsFinite(score);
        if (scored)
        {
            ScoredExposures++;
            ServedScores.Add(score);
            if (model.Length > 0) Increment(ref ModelCounts, context.Models.Id(model));
        }
        if (context.Titles is null || !context.TitleLookup.TryGetValue(contentId, out var title)) return;
        TitleServed[title.Index]++;
        if (scored) TitleScored[title.Index]++;
        foreach (var g in title.Genres) ServedGenreCounts[g]++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Increment(ref long[] counts, int id)
    {
        if (id >= counts.Length) Array.Resize(ref counts, Math.Max(counts.Length * 2, id + 1));
        counts[id]++;
    }

    internal static int Copy(ref Utf8JsonReader reader, Span<char> buffer)
    {
        if (reader.TokenType != JsonTokenType.String) return reader.TokenType == JsonTokenType.Null ? -1 : -1;
        if (reader.ValueSpan.Length > MaxId) return -1;
        return reader.CopyString(buffer);
    }

    private static double Number(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number ? reader.GetDouble() : double.NaN;

    internal static int ParseType(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number) return reader.TryGetInt32(out var n) && n is >= 0 and < EventTypeCount ? n : -1;
        if (reader.TokenType != JsonTokenType.String) return -1;
        if (reader.ValueTextEquals("play"u8) || reader.ValueTextEquals("Play"u8)) return (int)EventType.Play;
        if (reader.ValueTextEquals("rate"u8) || reader.ValueTextEquals("Rate"u8)) return (int)EventType.Rate;
        if (reader.ValueTextEquals("impression"u8) || reader.ValueTextEquals("Impression"u8)) return (int)EventType.Impression;
        if (reader.ValueTextEquals("click"u8) || reader.ValueTextEquals("Click"u8)) return (int)EventType.Click;
        if (reader.ValueTextEquals("search"u8) || reader.ValueTextEquals("Search"u8)) return (int)EventType.Search;
        if (reader.ValueTextEquals("exposure"u8) || reader.ValueTextEquals("Exposure"u8)) return (int)EventType.Exposure;
        return -1;
    }
}

/// <summary>
/// Streams event blobs in chunks cut at line ends and parses them on <c>workers</c> threads, each into its own
/// <see cref="WindowAccumulator"/> (spans and Utf8JsonReader; no per-event objects), then the caller merges.
/// </summary>
internal static class EventScanner
{
    private const int ChunkSize = 1 << 20;

    public static Task<WindowAccumulator[]> ScanAsync(IBlobStore store, IReadOnlyList<string> paths, ScanContext context, int workers, CancellationToken cancellationToken) =>
        ScanAsync(store, paths, () => new WindowAccumulator(context), workers, cancellationToken);

    /// <summary>The same pass with any per-thread processor (one created per worker by <paramref name="create"/>).</summary>
    public static async Task<T[]> ScanAsync<T>(IBlobStore store, IReadOnlyList<string> paths, Func<T> create, int workers, CancellationToken cancellationToken)
        where T : IChunkProcessor
    {
        workers = Math.Max(1, workers);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<(byte[] Buffer, int Length)>(new BoundedChannelOptions(workers * 2) { SingleWriter = true });
        var accumulators = new T[workers];
        var consumers = new Task[workers];
        for (var w = 0; w < workers; w++)
        {
            var accumulator = accumulators[w] = create();
            consumers[w] = Task.Run(async () =>
            {
                try
                {
                    await foreach (var (buffer, length) in channel.Reader.ReadAllAsync(failed.Token).ConfigureAwait(false))
                    {
                        accumulator.ProcessChunk(buffer.AsSpan(0, length));
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
                catch
                {
                    await failed.CancelAsync().ConfigureAwait(false);
                    throw;
                }
            }, CancellationToken.None);
        }

        try
        {
            foreach (var path in paths)
            {
                await using var blob = await store.OpenReadAsync(path, failed.Token).ConfigureAwait(false);
                if (blob is null) continue;
                var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
                var filled = 0;
                while (true)
                {
                    var read = await blob.Stream.ReadAsync(buffer.AsMemory(filled), failed.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        if (filled > 0) await channel.Writer.WriteAsync((buffer, filled), failed.Token).ConfigureAwait(false);
                        else ArrayPool<byte>.Shared.Return(buffer);
                        break;
                    }
                    filled += read;
                    if (filled < buffer.Length) continue;
                    var cut = buffer.AsSpan(0, filled).LastIndexOf((byte)'\n');
                    if (cut < 0)
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, filled).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                        continue;
                    }
                    var next = ArrayPool<byte>.Shared.Rent(ChunkSize);
                    var tail = filled - (cut + 1);
                    buffer.AsSpan(cut + 1, tail).CopyTo(next);
                    await channel.Writer.WriteAsync((buffer, cut + 1), failed.Token).ConfigureAwait(false);
                    buffer = next;
                    filled = tail;
                }
            }
        }
        finally
        {
            channel.Writer.TryComplete();
        }
        await Task.WhenAll(consumers).ConfigureAwait(false);
        return accumulators;
    }
}

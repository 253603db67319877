using System.Buffers;
using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using MLOps.Storage;
using Parquet;
using Parquet.Serialization;

namespace MLOps.Features;

/// <summary>One view in one file format: encoded size and the median time to write (encode) and read (decode) it.</summary>
public sealed record ViewFormatMeasure(string Format, string View, long Rows, long Bytes, double WriteSeconds, double ReadSeconds);

/// <summary>
/// Measures the candidate file formats for the feature views on a snapshot's real rows (docs/features.md, "File
/// format"): Parquet (Parquet.Net, Snappy or uncompressed) against NDJSON compressed with gzip or Brotli. Encoding and
/// decoding run in memory so storage latency does not blur the comparison; each figure is the median of
/// <c>repeats</c> runs.
/// </summary>
public static class ViewFormatBenchmark
{
    public static readonly string[] Formats = ["parquet-snappy", "parquet-none", "ndjson-gzip-fastest", "ndjson-gzip-optimal", "ndjson-brotli-fastest", "ndjson-brotli-optimal"];

    public static async Task<List<ViewFormatMeasure>> MeasureAsync(FeatureStore store, string snapshotId, int repeats = 3, CancellationToken cancellationToken = default)
    {
        var results = new List<ViewFormatMeasure>();
        results.AddRange(await MeasureViewAsync(FeatureViewNames.User, await store.ReadUsersAsync(snapshotId, cancellationToken).ConfigureAwait(false), repeats, cancellationToken).ConfigureAwait(false));
        results.AddRange(await MeasureViewAsync(FeatureViewNames.Item, await store.ReadItemsAsync(snapshotId, cancellationToken).ConfigureAwait(false), repeats, cancellationToken).ConfigureAwait(false));
        results.AddRange(await MeasureViewAsync(FeatureViewNames.UserGenre, await store.ReadUserGenresAsync(snapshotId, cancellationToken).ConfigureAwait(false), repeats, cancellationToken).ConfigureAwait(false));
        results.AddRange(await MeasureViewAsync(FeatureViewNames.UserHistory, await store.ReadHistoryAsync(snapshotId, cancellationToken).ConfigureAwait(false), repeats, cancellationToken).ConfigureAwait(false));
        return results;
    }

    private static async Task<List<ViewFormatMeasure>> MeasureViewAsync<T>(string view, IList<T> rows, int repeats, CancellationToken cancellationToken) where T : class, new()
    {
        var list = rows as List<T> ?? [.. rows];
        var results = new List<ViewFormatMeasure>();
        foreach (var format in Formats)
        {
            byte[] bytes = [];
            var writes = new List<double>();
            var reads = new List<double>();
            for (var r = 0; r < Math.Max(1, repeats); r++)
            {
                var t0 = Stopwatch.GetTimestamp();
                bytes = await EncodeAsync(format, list, cancellationToken).ConfigureAwait(false);
                writes.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
                t0 = Stopwatch.GetTimestamp();
                var back = await DecodeAsync<T>(format, bytes, cancellationToken).ConfigureAwait(false);
                reads.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
                if (back.Count != list.Count) throw new InvalidDataException($"{format}: {view} read back {back.Count} rows, wrote {list.Count}.");
            }
            results.Add(new ViewFormatMeasure(format, view, list.Count, bytes.Length, Math.Round(Median(writes), 4), Math.Round(Median(reads), 4)));
        }
        return results;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static async Task<byte[]> EncodeAsync<T>(string format, List<T> rows, CancellationToken cancellationToken) where T : new()
    {
        if (format.StartsWith("parquet", StringComparison.Ordinal))
            return (await FeatureStore.ToParquetAsync(rows, format == "parquet-none" ? "none" : "snappy", cancellationToken).ConfigureAwait(false)).ToArray();
        // Rows are serialized into a plain buffer and handed to the compressor in large chunks: flushing the compressor
        // per row (what Utf8JsonWriter.Flush does to its stream) would end a deflate/Brotli block per row.
        using var buffer = new MemoryStream();
        await using (var compressed = Compress(format, buffer))
        {
            var plain = new ArrayBufferWriter<byte>(1 << 17);
            using var writer = new Utf8JsonWriter(plain, new JsonWriterOptions { SkipValidation = true });
            foreach (var row in rows)
            {
                JsonSerializer.Serialize(writer, row, StoreJson.Options);
                writer.Flush();
                plain.Write("\n"u8);
                writer.Reset(plain);
                if (plain.WrittenCount < 1 << 16) continue;
                compressed.Write(plain.WrittenSpan);
                plain.ResetWrittenCount();
            }
            compressed.Write(plain.WrittenSpan);
        }
        return buffer.ToArray();
    }

    private static async Task<IList<T>> DecodeAsync<T>(string format, byte[] bytes, CancellationToken cancellationToken) where T : class, new()
    {
        if (format.StartsWith("parquet", StringComparison.Ordinal))
        {
            using var stream = new MemoryStream(bytes);
            return (await ParquetSerializer.DeserializeAsync<T>(stream, cancellationToken: cancellationToken).ConfigureAwait(false)).Data;
        }
        using var plain = new MemoryStream();
        await using (var decompressed = Decompress(format, new MemoryStream(bytes)))
            await decompressed.CopyToAsync(plain, cancellationToken).ConfigureAwait(false);
        var rows = new List<T>();
        var span = plain.GetBuffer().AsSpan(0, (int)plain.Length);
        while (span.Length > 0)
        {
            var end = span.IndexOf((byte)'\n');
            var line = end < 0 ? span : span[..end];
            if (line.Length > 0) rows.Add(JsonSerializer.Deserialize<T>(line, StoreJson.Options) ?? throw new InvalidDataException("Null row."));
            span = end < 0 ? [] : span[(end + 1)..];
        }
        return rows;
    }

    private static Stream Compress(string format, Stream output) => format switch
    {
        "ndjson-gzip-fastest" => new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true),
        "ndjson-gzip-optimal" => new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true),
        "ndjson-brotli-fastest" => new BrotliStream(output, CompressionLevel.Fastest, leaveOpen: true),
        "ndjson-brotli-optimal" => new BrotliStream(output, CompressionLevel.Optimal, leaveOpen: true),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown view format."),
    };

    private static Stream Decompress(string format, Stream input) =>
        format.StartsWith("ndjson-gzip", StringComparison.Ordinal) ? new GZipStream(input, CompressionMode.Decompress) : new BrotliStream(input, CompressionMode.Decompress);
}

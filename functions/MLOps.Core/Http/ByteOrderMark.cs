namespace MLOps.Core.Http;

/// <summary>
/// A UTF-8 byte order mark (Windows tools write one) is not part of a JSON body; the file importers skip it too, and
/// System.Text.Json would call it "'0xEF' is an invalid start of a value".
/// </summary>
public static class ByteOrderMark
{
    private static ReadOnlySpan<byte> Utf8 => [0xEF, 0xBB, 0xBF];

    public static ReadOnlyMemory<byte> Skip(ReadOnlyMemory<byte> body) => body.Span.StartsWith(Utf8) ? body[Utf8.Length..] : body;
}

namespace MLOps.Drift.Window;

/// <summary>The non-empty lines of an NDJSON chunk (a trailing '\r' trimmed), without allocating: <c>foreach (var line in new NdjsonLines(chunk))</c>.</summary>
internal ref struct NdjsonLines(ReadOnlySpan<byte> chunk)
{
    private ReadOnlySpan<byte> _rest = chunk;

    public ReadOnlySpan<byte> Current { get; private set; }

    public readonly NdjsonLines GetEnumerator() => this;

    public bool MoveNext()
    {
        while (_rest.Length > 0)
        {
            var end = _rest.IndexOf((byte)'\n');
            var line = end < 0 ? _rest : _rest[..end];
            _rest = end < 0 ? default : _rest[(end + 1)..];
            if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
            if (line.IsEmpty) continue;
            Current = line;
            return true;
        }
        return false;
    }
}

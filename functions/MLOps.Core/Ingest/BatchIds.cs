using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace MLOps.Core.Ingest;

/// <summary>
/// Batch ids derived from content (XxHash128 of a descriptor of how the source is read plus its bytes),
/// so importing the same file the same way again finds its earlier batch and changes nothing.
/// </summary>
public static class BatchIds
{
    /// <summary>A 24-hex-character id from <paramref name="descriptor"/> and the bytes of <paramref name="files"/>.</summary>
    public static string ForFiles(string descriptor, params string[] files)
    {
        var hash = new XxHash128();
        hash.Append(Encoding.UTF8.GetBytes(descriptor));
        var buffer = new byte[1 << 16];
        foreach (var file in files)
        {
            if (!File.Exists(file)) continue;
            hash.Append(Encoding.UTF8.GetBytes("\u001e" + Path.GetFileName(file) + "\u001e"));
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            int read;
            while ((read = stream.Read(buffer)) > 0) hash.Append(buffer.AsSpan(0, read));
        }
        return Format(hash);
    }

    public static string ForText(string descriptor, IEnumerable<string> lines)
    {
        var hash = new XxHash128();
        hash.Append(Encoding.UTF8.GetBytes(descriptor));
        foreach (var line in lines) hash.Append(Encoding.UTF8.GetBytes(line + "\n"));
        return Format(hash);
    }

    private static string Format(XxHash128 hash) => hash.GetCurrentHashAsUInt128().ToString("x32", CultureInfo.InvariantCulture)[..24];
}

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
    /// <summary>
    /// A 24-hex-character id from <paramref name="descriptor"/> and the bytes of <paramref name="files"/>, each marked by
    /// its position in the list (not its name: the same file copied or renamed is the same batch).
    /// </summary>
    public static string ForFiles(string descriptor, params string[] files) => ForFilesWithEarlier(descriptor, files).Id;

    /// <summary>
    /// The id, and the id builds before 2026-12-06 gave the same input (they hashed each file's name, so a renamed copy
    /// was a new batch): an importer also looks for the earlier id's manifest, so content imported by an older build is
    /// not imported again. Both come from one read of the files.
    /// </summary>
    public static (string Id, string Earlier) ForFilesWithEarlier(string descriptor, params string[] files)
    {
        var hash = new XxHash128();
        var earlier = new XxHash128();
        var head = Encoding.UTF8.GetBytes(descriptor);
        hash.Append(head);
        earlier.Append(head);
        var buffer = new byte[1 << 16];
        for (var f = 0; f < files.Length; f++)
        {
            if (!File.Exists(files[f])) continue;
            hash.Append(Encoding.UTF8.GetBytes($"\u001e#{f}\u001e"));
            earlier.Append(Encoding.UTF8.GetBytes("\u001e" + Path.GetFileName(files[f]) + "\u001e"));
            using var stream = new FileStream(files[f], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                hash.Append(buffer.AsSpan(0, read));
                earlier.Append(buffer.AsSpan(0, read));
            }
        }
        return (Format(hash), Format(earlier));
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

using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace MLOps.Core.Ingest;

/// <summary>
/// A JSON property's value as the text field of a <see cref="RawEvent"/>, the same for NDJSON files and the events API.
/// Text that is not Unicode (raw bytes that are not UTF-8, an escaped lone surrogate such as <c>"\ud800"</c>) cannot be
/// read as a string; it becomes U+FFFD, which the validator rejects as invalid for the field that held it — a bad row,
/// not a failed import or a 500.
/// </summary>
public static class JsonFieldText
{
    /// <summary>Text and numbers as text, null as null; anything else marked so the validator rejects it as invalid.</summary>
    public static string? Of(JsonElement value)
    {
        try
        {
            return value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                JsonValueKind.Null => null,
                _ => "\u0000" + value.GetRawText(), // not a scalar: rejected by the validator as invalid
            };
        }
        catch (InvalidOperationException)
        {
            return "\uFFFD";
        }
    }

    /// <summary>The element's JSON text as sent; bytes that are not UTF-8 read as U+FFFD instead of throwing.</summary>
    public static string RawText(JsonElement element)
    {
        try { return element.GetRawText(); }
        catch (InvalidOperationException) { return Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(element)); }
    }
}

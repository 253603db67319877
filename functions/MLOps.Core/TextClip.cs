namespace MLOps.Core;

/// <summary>Text a caller sent, echoed in a message: cut at a bound so one huge value cannot swell the message.</summary>
public static class TextClip
{
    public static string Clip(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}

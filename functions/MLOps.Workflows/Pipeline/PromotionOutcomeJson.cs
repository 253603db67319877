using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLOps.Workflows.Pipeline;

/// <summary>
/// Reads <see cref="PromotionOutcome"/>, and also the bare <c>true</c>/<c>false</c> the promote activity returned before
/// it had a refusal reason: an instance that completed that step on an older build replays its recorded result instead
/// of failing on deploy.
/// </summary>
internal sealed class PromotionOutcomeJson : JsonConverter<PromotionOutcome>
{
    public override PromotionOutcome Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType is JsonTokenType.True or JsonTokenType.False) return new PromotionOutcome(reader.GetBoolean());
        using var document = JsonDocument.ParseValue(ref reader);
        var changed = false;
        string? refused = null;
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.Name.Equals("changed", StringComparison.OrdinalIgnoreCase)) changed = property.Value.GetBoolean();
            else if (property.Name.Equals("refused", StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.String) refused = property.Value.GetString();
        }
        return new PromotionOutcome(changed, refused);
    }

    public override void Write(Utf8JsonWriter writer, PromotionOutcome value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteBoolean("changed", value.Changed);
        if (value.Refused is null) writer.WriteNull("refused");
        else writer.WriteString("refused", value.Refused);
        writer.WriteEndObject();
    }
}

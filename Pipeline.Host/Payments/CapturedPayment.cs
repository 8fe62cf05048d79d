using System.Text.Json;

namespace Pipeline.Host.Payments;

/// <summary>Razorpay's payment entity as webhooks and reconciliation exports carry it.</summary>
public sealed record CapturedPayment(string Id, string OrderId, long Amount, string Currency, string Status)
{
    public const string CapturedStatus = "captured";

    /// <summary>Reads <c>{"id","order_id","amount","currency","status"}</c>; null when a field is missing or mistyped.</summary>
    public static CapturedPayment? From(JsonElement entity)
    {
        if (entity.ValueKind != JsonValueKind.Object
            || !TryString(entity, "id", out var id)
            || !TryString(entity, "order_id", out var orderId)
            || !TryString(entity, "currency", out var currency)
            || !TryString(entity, "status", out var status)
            || !entity.TryGetProperty("amount", out var amount)
            || amount.ValueKind != JsonValueKind.Number
            || !amount.TryGetInt64(out var minor))
        {
            return null;
        }
        return new CapturedPayment(id, orderId, minor, currency, status);
    }

    private static bool TryString(JsonElement entity, string name, out string value)
    {
        value = "";
        if (!entity.TryGetProperty(name, out var element) || element.ValueKind != JsonValueKind.String)
        {
            return false;
        }
        value = element.GetString()!;
        return value.Length is > 0 and <= 100;
    }
}

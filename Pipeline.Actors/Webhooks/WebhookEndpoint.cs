namespace Pipeline.Actors.Webhooks;

/// <summary>
/// Where a subscriber wants its webhooks: the URL, the event types it takes, and the secret its deliveries are signed
/// with (<c>whsec_</c> + base64, kept as given because the signer needs it).
/// </summary>
public sealed record WebhookEndpoint(string Id, string Url, IReadOnlyList<string> Events, string Secret, DateTimeOffset CreatedAt);

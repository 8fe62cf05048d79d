namespace Pipeline.Streams.WhatsApp;

/// <summary><c>Pipeline:WhatsApp</c>: the Cloud API account tickets are sent from.</summary>
public sealed class WhatsAppOptions
{
    public const string Section = "Pipeline:WhatsApp";
    public const string LiveMode = "Live";
    public const string SandboxMode = "Sandbox";

    /// <summary>
    /// <c>Live</c> (default): tickets go to the Cloud API, which needs <see cref="AccessToken"/> and
    /// <see cref="PhoneNumberId"/>. <c>Sandbox</c>: each message is recorded locally and never sent. Outside the
    /// Development environment a deployment says Sandbox explicitly; a missing token is never taken to mean it.
    /// </summary>
    public string Mode { get; set; } = LiveMode;

    public string BaseUrl { get; set; } = "https://graph.facebook.com/v21.0";

    public string PhoneNumberId { get; set; } = "";

    /// <summary>Bearer token of the Cloud API. Required in <c>Live</c> mode.</summary>
    public string AccessToken { get; set; } = "";

    public static readonly TimeSpan[] DefaultRetryDelays = [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)];

    /// <summary>
    /// Delay before each retry; a ticket gets one attempt plus one per entry. Default 2 s, 5 s, 10 s, applied after
    /// binding when configuration names none (the binder appends to an array that already has items).
    /// </summary>
    public TimeSpan[] RetryDelays { get; set; } = [];

    /// <summary>Timeout of one attempt (upload and message together). Default 15 s.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public bool IsSandbox => string.Equals(Mode, SandboxMode, StringComparison.OrdinalIgnoreCase);

    public bool IsLive => string.Equals(Mode, LiveMode, StringComparison.OrdinalIgnoreCase);
}

namespace Pipeline.Host.Configuration;

/// <summary><c>Pipeline:Admin</c>.</summary>
public sealed class AdminOptions
{
    public const string Section = "Pipeline:Admin";

    /// <summary>Bearer key of every admin endpoint. Required; only the Development overlay in <c>config/</c> ships one.</summary>
    public string ApiKey { get; set; } = "";
}

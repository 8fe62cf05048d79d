namespace Pipeline.Host.Pipelines;

/// <summary>Values of a pipeline's <c>mode</c> in <c>GET /api/admin/pipelines</c> (only <c>whatsapp</c> has one).</summary>
public static class PipelineModes
{
    /// <summary>Messages go to the real service.</summary>
    public const string Live = "live";

    /// <summary>Messages are recorded locally and never sent.</summary>
    public const string Sandbox = "sandbox";
}

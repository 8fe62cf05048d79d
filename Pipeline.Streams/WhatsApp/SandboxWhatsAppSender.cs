using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Pipeline.Actors.Runtime;

namespace Pipeline.Streams.WhatsApp;

/// <summary>A message the sandbox sender kept instead of sending.</summary>
public sealed record SandboxMessage(string MessageId, string To, string Filename, string Caption, int DocumentBytes, DateTimeOffset At);

/// <summary>
/// <c>Pipeline:WhatsApp:Mode=Sandbox</c>: nothing leaves the machine; each message is logged as not sent and the
/// latest <see cref="Capacity"/> are kept in memory for operators and tests.
/// </summary>
public sealed class SandboxWhatsAppSender(TimeProvider time, ILogger<SandboxWhatsAppSender> logger) : IWhatsAppSender
{
    public const int Capacity = 1000;

    private readonly ConcurrentQueue<SandboxMessage> _messages = new();

    public IReadOnlyCollection<SandboxMessage> Messages => _messages;

    public Task<string> SendDocumentAsync(string toE164, byte[] document, string filename, string caption, CancellationToken cancellationToken)
    {
        using var activity = Telemetry.PipelineTracing.StartWhatsAppSend(filename);
        var message = new SandboxMessage(OpaqueId.New("wamid.sandbox"), toE164, filename, caption, document.Length, time.GetUtcNow());
        _messages.Enqueue(message);
        while (_messages.Count > Capacity && _messages.TryDequeue(out _))
        {
        }
        logger.LogInformation("Sandbox WhatsApp: {Filename} ({Bytes} bytes) to {To} NOT sent, only recorded locally as {MessageId}",
            filename, document.Length, toE164, message.MessageId);
        return Task.FromResult(message.MessageId);
    }
}

using Microsoft.Extensions.Options;
using Pipeline.Streams.Tickets;

namespace Pipeline.Host.Configuration;

/// <summary><c>Pipeline:Tickets</c>.</summary>
public sealed class TicketOptions
{
    public const string Section = "Pipeline:Tickets";

    /// <summary>Signs ticket tokens (HMAC-SHA256). Required; only the Development overlay ships one.</summary>
    public string SigningKey { get; set; } = "";
}

internal sealed class TicketOptionsValidator : IValidateOptions<TicketOptions>
{
    public ValidateOptionsResult Validate(string? name, TicketOptions options) =>
        System.Text.Encoding.UTF8.GetByteCount(options.SigningKey) >= TicketToken.MinKeyBytes
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{TicketOptions.Section}:SigningKey is required (at least {TicketToken.MinKeyBytes} bytes): set Pipeline__Tickets__SigningKey.");
}

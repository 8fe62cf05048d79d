using Microsoft.Extensions.Options;
using Pipeline.Actors.Persistence;

namespace Pipeline.Host.Configuration;

/// <summary>Start-up fails with a message naming the key when a required setting is missing or wrong.</summary>
internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var known = new[] { StorageFactory.SqliteProvider, StorageFactory.PostgresProvider };
        if (!known.Contains(options.Provider, StringComparer.OrdinalIgnoreCase))
        {
            return ValidateOptionsResult.Fail($"{StorageOptions.Section}:Provider must be Sqlite or Postgres, not '{options.Provider}'.");
        }
        return string.IsNullOrWhiteSpace(options.ConnectionString)
            ? ValidateOptionsResult.Fail($"{StorageOptions.Section}:ConnectionString is required.")
            : ValidateOptionsResult.Success;
    }
}

internal sealed class AdminOptionsValidator : IValidateOptions<AdminOptions>
{
    public const int MinimumKeyLength = 16;

    public ValidateOptionsResult Validate(string? name, AdminOptions options) =>
        options.ApiKey.Length >= MinimumKeyLength
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{AdminOptions.Section}:ApiKey is required (at least {MinimumKeyLength} characters). Set it in config/, " +
                "or as the environment variable Pipeline__Admin__ApiKey; only the Development environment ships a key.");
}

namespace Pipeline.Actors.Entities.Members;

/// <param name="Phone">E.164, e.g. <c>+919876543210</c>.</param>
public sealed record MemberView(string Id, string Name, string Phone, string? Email, DateTimeOffset CreatedAt);

using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Pipeline.Actors.Runtime;
using Pipeline.Streams.Tickets;

namespace Pipeline.Tests.Streams.Tickets;

public sealed class TicketTokenTests
{
    private const string Key = "test-ticket-signing-key-0123456789";
    private static readonly DateTimeOffset IssuedAt = new(2026, 11, 3, 9, 15, 42, TimeSpan.Zero);

    private readonly TicketToken _tokens = new(Key);
    private readonly string _registrationId = OpaqueId.New("reg");
    private readonly string _eventId = OpaqueId.New("evt");

    private string NewToken() => _tokens.Create(_registrationId, _eventId, IssuedAt);

    [Fact]
    public void Round_trip_returns_the_claims()
    {
        var claims = _tokens.Verify(NewToken());

        Assert.NotNull(claims);
        Assert.Equal(_registrationId, claims.RegistrationId);
        Assert.Equal(_eventId, claims.EventId);
        Assert.Equal(IssuedAt, claims.IssuedAt);
    }

    [Fact]
    public void Issue_time_keeps_whole_seconds_in_utc()
    {
        var local = new DateTimeOffset(2027, 1, 1, 0, 0, 0, 789, TimeSpan.FromHours(5.5));

        var claims = _tokens.Verify(_tokens.Create(_registrationId, _eventId, local));

        Assert.NotNull(claims);
        Assert.Equal(new DateTimeOffset(2026, 12, 31, 18, 30, 0, TimeSpan.Zero), claims.IssuedAt);
        Assert.Equal(TimeSpan.Zero, claims.IssuedAt.Offset);
    }

    [Fact]
    public void Token_is_compact_url_safe_and_versioned()
    {
        var token = NewToken();

        Assert.StartsWith("v1.", token, StringComparison.Ordinal);
        Assert.Equal(3, token.Split('.').Length);
        Assert.All(token, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.', $"unexpected '{c}' in {token}"));
        // Service ids are 26 characters; the token must stay small enough for a low-version QR code.
        Assert.True(token.Length <= 140, $"token is {token.Length} characters: {token}");
    }

    [Fact]
    public void Tokens_for_the_same_claims_are_identical_and_for_other_claims_differ()
    {
        // Two separate creations: signing is deterministic, so a ticket re-rendered later carries the same token.
        var first = NewToken();
        var second = NewToken();
        Assert.Equal(first, second);
        Assert.NotEqual(NewToken(), _tokens.Create(_registrationId, _eventId, IssuedAt.AddSeconds(1)));
        Assert.NotEqual(NewToken(), _tokens.Create(OpaqueId.New("reg"), _eventId, IssuedAt));
    }

    [Fact]
    public void Verify_for_event_accepts_its_event_and_rejects_another()
    {
        var token = NewToken();

        Assert.Equal(_registrationId, _tokens.VerifyForEvent(token, _eventId)?.RegistrationId);
        Assert.Null(_tokens.VerifyForEvent(token, OpaqueId.New("evt")));
        Assert.Null(_tokens.VerifyForEvent(token, ""));
        Assert.Null(_tokens.VerifyForEvent("garbage", _eventId));
    }

    [Fact]
    public void Altered_payload_with_the_original_signature_is_rejected()
    {
        var parts = NewToken().Split('.');
        foreach (var payload in new[]
        {
            $"{OpaqueId.New("reg")}|{_eventId}|{IssuedAt.ToUnixTimeSeconds()}",
            $"{_registrationId}|{OpaqueId.New("evt")}|{IssuedAt.ToUnixTimeSeconds()}",
            $"{_registrationId}|{_eventId}|{IssuedAt.ToUnixTimeSeconds() + 1}",
        })
        {
            var forged = $"v1.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload))}.{parts[2]}";
            Assert.Null(_tokens.Verify(forged));
        }
    }

    [Fact]
    public void Altered_signature_is_rejected()
    {
        var parts = NewToken().Split('.');
        var signature = Base64Url.DecodeFromChars(parts[2]);
        signature[0] ^= 0x01;

        Assert.Null(_tokens.Verify($"v1.{parts[1]}.{Base64Url.EncodeToString(signature)}"));
        Assert.Null(_tokens.Verify($"v1.{parts[1]}.{Base64Url.EncodeToString(signature.AsSpan(0, 16))}"));
        Assert.Null(_tokens.Verify($"v1.{parts[1]}."));
        Assert.Null(_tokens.Verify($"v1.{parts[1]}"));
    }

    [Fact]
    public void Every_single_character_change_is_rejected()
    {
        var token = NewToken();
        const string Replacements = "A_-0z.=+/ \u00e9";
        var checkedVariants = 0;
        for (var i = 0; i < token.Length; i++)
        {
            foreach (var replacement in Replacements)
            {
                if (replacement == token[i])
                    continue;
                var altered = string.Concat(token.AsSpan(0, i), replacement.ToString(), token.AsSpan(i + 1));
                Assert.True(_tokens.Verify(altered) is null, $"accepted {altered}");
                checkedVariants++;
            }
            // Deleting or inserting a character anywhere.
            Assert.Null(_tokens.Verify(token.Remove(i, 1)));
            Assert.Null(_tokens.Verify(token.Insert(i, "A")));
        }
        Assert.True(checkedVariants > token.Length * 5);
    }

    [Fact]
    public void Padding_whitespace_and_extra_segments_are_rejected()
    {
        var token = NewToken();
        var parts = token.Split('.');

        Assert.Null(_tokens.Verify(token + "="));
        Assert.Null(_tokens.Verify(token + "=="));
        Assert.Null(_tokens.Verify(token + " "));
        Assert.Null(_tokens.Verify(" " + token));
        Assert.Null(_tokens.Verify(token + "\n"));
        Assert.Null(_tokens.Verify(token + ".x"));
        Assert.Null(_tokens.Verify($"v1.{parts[1]} .{parts[2]}"));
        Assert.Null(_tokens.Verify($"v1.{parts[1][..10]} {parts[1][10..]}.{parts[2]}"));
        Assert.Null(_tokens.Verify(token.ToUpperInvariant()));
        Assert.Null(_tokens.Verify("V1" + token[2..]));
        Assert.Null(_tokens.Verify("v2" + token[2..]));
    }

    [Fact]
    public void A_token_signed_with_another_key_is_rejected()
    {
        var other = new TicketToken("another-ticket-signing-key-9876543210");
        var foreign = other.Create(_registrationId, _eventId, IssuedAt);

        Assert.NotNull(other.Verify(foreign));
        Assert.Null(_tokens.Verify(foreign));
        Assert.Null(other.Verify(NewToken()));
    }

    [Fact]
    public void Every_truncation_is_rejected()
    {
        var token = NewToken();
        for (var length = 0; length < token.Length; length++)
        {
            Assert.Null(_tokens.Verify(token[..length]));
            Assert.Null(_tokens.Verify(token[(token.Length - length)..]));
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("v1")]
    [InlineData("v1.")]
    [InlineData("v1..")]
    [InlineData("v1...")]
    [InlineData("v1.a.b")]
    [InlineData("v1.a.b.c")]
    [InlineData("v1.=.=")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")]
    [InlineData("not a token at all")]
    public void Garbage_is_rejected_without_throwing(string? token)
    {
        Assert.Null(_tokens.Verify(token));
        Assert.Null(_tokens.VerifyForEvent(token, _eventId));
    }

    [Fact]
    public void Random_garbage_is_rejected_without_throwing()
    {
        var random = new Random(20261231);
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.|=+/ ";
        for (var i = 0; i < 5000; i++)
        {
            var length = random.Next(0, 200);
            var chars = new char[length];
            for (var j = 0; j < length; j++)
            {
                chars[j] = (i % 3) switch
                {
                    0 => Alphabet[random.Next(Alphabet.Length)],
                    1 => (char)random.Next(0, 0x10000), // lone surrogates and control characters included
                    _ => j < 3 ? "v1."[j] : Alphabet[random.Next(Alphabet.Length)],
                };
            }
            Assert.Null(_tokens.Verify(new string(chars)));
        }

        Assert.Null(_tokens.Verify("v1.\u0000.\u0000"));
        Assert.Null(_tokens.Verify("v1.\ud800.\udfff"));
        Assert.Null(_tokens.Verify(new string('A', 100_000)));
        Assert.Null(_tokens.Verify("v1." + new string('A', 100_000) + "." + new string('A', 43)));
    }

    [Theory]
    [InlineData("reg_1|evt_1")] // two fields
    [InlineData("reg_1|evt_1|1|2")] // four fields
    [InlineData("|evt_1|1")] // empty registration id
    [InlineData("reg_1||1")] // empty event id
    [InlineData("reg_1|evt_1|")] // no time
    [InlineData("reg_1|evt_1|-5")]
    [InlineData("reg_1|evt_1|+5")]
    [InlineData("reg_1|evt_1| 5")]
    [InlineData("reg_1|evt_1|1e3")]
    [InlineData("reg_1|evt_1|99999999999999999999")]
    [InlineData("reg_1|evt_1|253402300800")] // one second after DateTimeOffset.MaxValue
    public void A_correctly_signed_but_malformed_payload_is_rejected(string payload)
    {
        // Only the key holder can produce these; Verify must still not trust or throw on them.
        Assert.Null(_tokens.Verify(SignRaw(Encoding.UTF8.GetBytes(payload))));
    }

    [Fact]
    public void A_correctly_signed_payload_that_is_not_utf8_is_rejected()
    {
        Assert.Null(_tokens.Verify(SignRaw([0xff, 0xfe, (byte)'|', (byte)'a', (byte)'|', (byte)'1'])));
    }

    [Fact]
    public void The_raw_signing_scheme_matches_the_documented_format()
    {
        var payload = Encoding.UTF8.GetBytes($"{_registrationId}|{_eventId}|{IssuedAt.ToUnixTimeSeconds()}");

        Assert.Equal(SignRaw(payload), NewToken());
    }

    [Theory]
    [InlineData("")]
    [InlineData("reg|1")]
    public void Create_rejects_ids_that_would_not_round_trip(string id)
    {
        Assert.ThrowsAny<ArgumentException>(() => _tokens.Create(id, _eventId, IssuedAt));
        Assert.ThrowsAny<ArgumentException>(() => _tokens.Create(_registrationId, id, IssuedAt));
    }

    [Fact]
    public void Create_rejects_times_before_1970()
    {
        Assert.ThrowsAny<ArgumentException>(() => _tokens.Create(_registrationId, _eventId, new DateTimeOffset(1969, 12, 31, 0, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("fifteen-chars!!")]
    public void A_short_signing_key_is_refused(string key)
    {
        Assert.Throws<ArgumentException>(() => new TicketToken(key));
    }

    private static string SignRaw(byte[] payload)
    {
        var encoded = Base64Url.EncodeToString(payload);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), Encoding.ASCII.GetBytes("v1." + encoded));
        return $"v1.{encoded}.{Base64Url.EncodeToString(mac)}";
    }
}

using Pipeline.Streams.WhatsApp;
using Pipeline.Tests.Fakes;

namespace Pipeline.Tests.Streams.WhatsApp;

/// <summary>The Cloud API client against a local fake that follows Graph's request and error shapes.</summary>
public sealed class WhatsAppCloudSenderTests : IAsyncLifetime
{
    private static readonly byte[] Pdf = "%PDF-1.7 test"u8.ToArray();
    private FakeGraphApi _graph = null!;
    private WhatsAppCloudSender _sender = null!;

    public async Task InitializeAsync()
    {
        _graph = await FakeGraphApi.StartAsync();
        _sender = Sender(FakeGraphApi.AccessToken);
    }

    public async Task DisposeAsync() => await _graph.DisposeAsync();

    [Fact]
    public async Task Uploads_then_sends_a_document_to_the_digits_of_the_number()
    {
        var id = await _sender.SendDocumentAsync("+919876543210", Pdf, "ticket-reg_1.pdf", "Your ticket", CancellationToken.None);

        var message = Assert.Single(_graph.Messages);
        Assert.Equal(message.MessageId, id);
        Assert.Equal("919876543210", message.To);
        Assert.Equal("ticket-reg_1.pdf", message.Filename);
        Assert.Equal("Your ticket", message.Caption);
        Assert.Equal(Pdf, message.Document);
    }

    [Theory]
    [InlineData(429, 130429)]
    [InlineData(400, 131056)]
    [InlineData(400, 4)]
    [InlineData(500, 131000)]
    [InlineData(503, 2)]
    [InlineData(400, 80007)]
    public async Task Throttling_and_outages_are_retryable(int status, int code)
    {
        _graph.FailNext(1, status, code);

        var error = await Assert.ThrowsAsync<WhatsAppException>(() =>
            _sender.SendDocumentAsync("+919876543210", Pdf, "t.pdf", "c", CancellationToken.None));

        Assert.True(error.Retryable);
        Assert.Equal(code, error.GraphCode);
        Assert.Empty(_graph.Messages);
    }

    [Theory]
    [InlineData(400, 100)]
    [InlineData(400, 131026)]
    [InlineData(400, 131047)]
    [InlineData(403, 10)]
    public async Task Other_client_errors_are_permanent(int status, int code)
    {
        _graph.FailNext(1, status, code);

        var error = await Assert.ThrowsAsync<WhatsAppException>(() =>
            _sender.SendDocumentAsync("+919876543210", Pdf, "t.pdf", "c", CancellationToken.None));

        Assert.False(error.Retryable);
        Assert.Equal(status, error.HttpStatus);
    }

    [Fact]
    public async Task A_wrong_token_is_a_permanent_401()
    {
        var error = await Assert.ThrowsAsync<WhatsAppException>(() =>
            Sender("wrong").SendDocumentAsync("+919876543210", Pdf, "t.pdf", "c", CancellationToken.None));

        Assert.False(error.Retryable);
        Assert.Equal(190, error.GraphCode);
    }

    [Fact]
    public async Task A_refused_connection_is_retryable()
    {
        var closed = new WhatsAppCloudSender(new HttpClient(), new WhatsAppOptions
        {
            BaseUrl = "http://127.0.0.1:1", PhoneNumberId = FakeGraphApi.PhoneNumberId, AccessToken = FakeGraphApi.AccessToken,
        });

        var error = await Assert.ThrowsAsync<WhatsAppException>(() =>
            closed.SendDocumentAsync("+919876543210", Pdf, "t.pdf", "c", CancellationToken.None));

        Assert.True(error.Retryable);
    }

    private WhatsAppCloudSender Sender(string token) => new(new HttpClient(), new WhatsAppOptions
    {
        BaseUrl = _graph.BaseUrl, PhoneNumberId = FakeGraphApi.PhoneNumberId, AccessToken = token,
    });
}

using Pipeline.Actors.Runtime;
using Pipeline.Host.Api.Auth;
using Pipeline.Host.Api.Batches;
using Pipeline.Host.Api.Cluster;
using Pipeline.Host.Api.Events;
using Pipeline.Host.Api.Images;
using Pipeline.Host.Api.Jobs;
using Pipeline.Host.Api.Members;
using Pipeline.Host.Api.Payments;
using Pipeline.Host.Api.Pipelines;
using Pipeline.Host.Api.Tickets;
using Pipeline.Host.Api.Problems;
using Pipeline.Host.Cluster;
using Pipeline.Host.Configuration;
using Pipeline.Host.Engine;
using Pipeline.Host.Jobs;
using Pipeline.Host.Storage;
using Pipeline.Host.Operations;
using Pipeline.Host.Payments;
using Pipeline.Host.Photos;
using Pipeline.Host.Pipelines;
using Pipeline.Host.Tickets;
using Pipeline.Host.Api.Webhooks;
using Pipeline.Host.Webhooks;

var builder = WebApplication.CreateBuilder(args);
builder.AddPipelineConfiguration(args);

builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateOnStart();
builder.Services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section).ValidateOnStart();
builder.Services.AddOptions<NodeOptions>().BindConfiguration(NodeOptions.Section);
builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<StorageOptions>, StorageOptionsValidator>();
builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<AdminOptions>, AdminOptionsValidator>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new UtcTimestampConverter()));
builder.Services.AddPipelineProblemDetails();
// First: on SQLite nothing may touch the database before this process holds it alone.
builder.Services.AddHostedService<SqliteSingleNodeLock>();
builder.Services.AddPipelineStorage();
builder.Services.AddPipelineEngine(builder.Configuration);
builder.Services.AddHostedService<ClusterJoinService>();
// Before the pipelines: stopped after them, so a node told to leave drains before its shards are handed off.
builder.Services.AddHostedService<ClusterLeaveStopsHost>();
builder.Services.AddPipelinePayments();
builder.Services.AddPipelineTickets();
builder.Services.AddPipelinePhotos();
builder.Services.AddPipelineStreams();
builder.Services.AddPipelineWebhooks();
builder.Services.AddPipelineJobs();
builder.AddPipelineOperations();
builder.Services.AddPipelineCluster();

var app = builder.Build();

app.UsePipelineRequestTelemetry();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UsePipelineLimits();

var admin = app.MapGroup("").AddEndpointFilter<AdminKeyFilter>();
admin.MapBatchEndpoints();
admin.MapMemberEndpoints();
admin.MapPaymentAdminEndpoints();
app.MapEventEndpoints(admin);
app.MapOrderEndpoints();
app.MapRazorpayWebhook();
app.MapTicketEndpoints(admin);
app.MapImageEndpoints();
admin.MapWebhookEndpoints();
app.MapPipelineOperations();
admin.MapClusterEndpoints();
admin.MapPipelineEndpoints();
admin.MapJobEndpoints();

app.Run();

/// <summary>The entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;

// The entity runtimes by what they hold; the generic names are long and say the same thing.
global using BatchClient = Pipeline.Actors.Engine.IEntityClient<
    Pipeline.Actors.Entities.Batches.BatchCommand, Pipeline.Actors.Entities.Batches.BatchReply>;
global using RegistrationClient = Pipeline.Actors.Engine.IEntityClient<
    Pipeline.Actors.Entities.Registrations.RegistrationCommand, Pipeline.Actors.Entities.Registrations.RegistrationReply>;
global using EventClient = Pipeline.Actors.Engine.IEntityClient<
    Pipeline.Actors.Entities.Events.EventView, Pipeline.Actors.Entities.Records.RecordReply<Pipeline.Actors.Entities.Events.EventView>>;
global using MemberClient = Pipeline.Actors.Engine.IEntityClient<
    Pipeline.Actors.Entities.Members.MemberView, Pipeline.Actors.Entities.Records.RecordReply<Pipeline.Actors.Entities.Members.MemberView>>;
global using WebhookEndpointClient = Pipeline.Actors.Engine.IEntityClient<
    Pipeline.Actors.Entities.WebhookEndpoints.WebhookEndpointCommand, Pipeline.Actors.Entities.WebhookEndpoints.WebhookEndpointReply>;

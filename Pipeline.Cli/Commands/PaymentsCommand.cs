using System.CommandLine;
using Pipeline.Cli.Output;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline payments unapplied</c>: captured payments that paid for nothing (refunds due).</summary>
internal static class PaymentsCommand
{
    public static Command Create(CliContext context)
    {
        var page = new PageOptions();
        var unapplied = new Command("unapplied", "Captured payments that could not be applied to a registration: refunds due");
        page.AddTo(unapplied);
        unapplied.SetAction((parse, ct) => context.RunAsync(parse, async (api, token) =>
        {
            var response = await api.GetAsync("api/admin/payments/unapplied" + page.Query(parse), token);
            context.Print(parse, response, json => PageOptions.WithNext(Tables.UnappliedPayments(json.Items("items"), DateTimeOffset.UtcNow), json));
            return ExitCodes.Ok;
        }, ct));
        var command = new Command("payments", "Payments received");
        command.Subcommands.Add(unapplied);
        return command;
    }
}

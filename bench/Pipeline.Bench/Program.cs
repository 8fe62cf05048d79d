using Pipeline.Bench;

// Ticket benchmarks (issue 4) and member photos. Usage:
//   dotnet run -c Release --project bench/Pipeline.Bench -- render [count]
//   dotnet run -c Release --project bench/Pipeline.Bench -- e2e [count]
//   dotnet run -c Release --project bench/Pipeline.Bench -- photos [count]
// e2e uses SQLite in a temp folder unless PIPELINE_BENCH_POSTGRES holds a connection string.
var command = args.FirstOrDefault() ?? "all";
var count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 0;
switch (command)
{
    case "render":
        TicketRenderBenchmark.Run(count > 0 ? count : 1000);
        break;
    case "e2e":
        await TicketEndToEndBenchmark.RunAsync(count > 0 ? count : 200);
        break;
    case "photos":
        PhotoOptimizeBenchmark.Run(count > 0 ? count : 100);
        break;
    case "all":
        TicketRenderBenchmark.Run(1000);
        await TicketEndToEndBenchmark.RunAsync(200);
        break;
    default:
        Console.Error.WriteLine("usage: Pipeline.Bench render|e2e|photos|all [count]");
        return 2;
}
return 0;

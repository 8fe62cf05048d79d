namespace Pipeline.Cli;

internal static class Program
{
    public static Task<int> Main(string[] args) => PipelineCli.RunAsync(args, Console.Out, Console.Error);
}

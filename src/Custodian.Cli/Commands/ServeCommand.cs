using System.CommandLine;
using Custodian.Server;

namespace Custodian.Cli.Commands;

/// <summary>
/// <c>custodian serve [--store STORE] [--urls URL] [--otlp-grpc-urls URL]</c>: runs the server until stopped (SIGINT/SIGTERM
/// drain in-flight requests). OTLP over HTTP is served on <c>--urls</c>; <c>--otlp-grpc-urls</c> adds the OTLP gRPC receiver.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CustodianCli cli)
    {
        var store = StoreOption.Create();
        var urls = new Option<string?>("--urls") { Description = "Where to listen (default http://127.0.0.1:8787); several separated by ';'", HelpName = "URL" };
        var grpc = new Option<string?>("--otlp-grpc-urls")
        {
            Description = "Where the OTLP gRPC receiver listens, cleartext HTTP/2 (e.g. http://127.0.0.1:4317); several separated by ';'. None by default",
            HelpName = "URL",
        };
        var sweep = new Option<TimeSpan?>("--sweep-interval") { Description = "How often expired data is deleted (default 01:00:00)", HelpName = "HH:MM:SS" };
        var command = new Command("serve", "Run the Custodian server");
        command.Options.Add(store);
        command.Options.Add(urls);
        command.Options.Add(grpc);
        command.Options.Add(sweep);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var listen = (parse.GetValue(urls) ?? "http://127.0.0.1:8787").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var url in listen)
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                    throw new UsageException($"--urls: not an http(s) URL: {url}");
            }

            var grpcListen = (parse.GetValue(grpc) ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var url in grpcListen)
            {
                // gRPC without TLS is HTTP/2 with prior knowledge, which is what OTLP exporters speak to an http:// endpoint.
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "http" || uri.AbsolutePath != "/")
                    throw new UsageException($"--otlp-grpc-urls: not an http:// address without a path (cleartext HTTP/2): {url}");
            }

            // RET-7 promises deletion within one interval; a timer also cannot wait longer than about 49 days.
            if (parse.GetValue(sweep) is { } interval && (interval < TimeSpan.FromSeconds(1) || interval > TimeSpan.FromDays(1)))
                throw new UsageException("--sweep-interval: must be from 00:00:01 to 1.00:00:00");
            await using var opened = await StoreOption.OpenInitializedAsync(parse.GetValue(store), cli.Host, cancellationToken);
            var app = CustodianServer.Build(new ServerOptions
            {
                Store = opened,
                Urls = listen,
                OtlpGrpcUrls = grpcListen,
                Time = cli.Host.TimeProvider,
                SweepInterval = parse.GetValue(sweep) ?? TimeSpan.FromHours(1),
            });
            cli.Host.Stderr.WriteLine($"custodian: serving {opened.Description} on {string.Join(", ", listen)}"
                + (grpcListen.Length > 0 ? $"; OTLP gRPC on {string.Join(", ", grpcListen)}" : string.Empty));
            try
            {
                using var stop = cancellationToken.Register(() => app.Lifetime.StopApplication());
                await app.RunAsync();
            }
            catch (IOException e)
            {
                throw new OperationFailedException("cannot listen: " + e.Message);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Cnn.Imaging;

namespace ServeSample;

/// <summary>
/// <c>bench MODEL [--clients 1,8,64] [--seconds 5] [--requests 20000] [--Serve:Workers N ...]</c>:
/// starts the real service (Kestrel) on a loopback port in this process, then for each client count
/// posts one PNG of the network's size from that many concurrent clients, each waiting for its
/// answer before it sends again, until the time or the request budget runs out; it prints
/// requests/s, p50 and p99 latency and the mean batch size per client count. Clients and server
/// share the machine's cores, as they would on one host.
/// </summary>
internal static class LoadBenchmark
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            output.WriteLine("usage: bench MODEL [--clients 1,8,64] [--seconds 5] [--requests 20000] [--Serve:Workers N] [--Serve:MaxBatchSize N]");
            return 2;
        }
        string model = args[0];
        int[] clientCounts = [1, 8, 64];
        double seconds = 5;
        int maxRequests = 20_000;
        var serveArgs = new List<string> { "--Model", model, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default", "Warning" };
        for (int i = 1; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--clients": clientCounts = value.Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--seconds": seconds = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--requests": maxRequests = int.Parse(value, CultureInfo.InvariantCulture); break;
                default: serveArgs.Add(args[i]); serveArgs.Add(value); break;
            }
            i++;
        }

        await using WebApplication app = ServeApp.Create([.. serveArgs]);
        await app.StartAsync();
        string address = app.Urls.First(); // the port Kestrel bound
        ServedModel served = app.Services.GetRequiredService<InferenceBatcher>().Model;
        ServeOptions options = app.Services.GetRequiredService<ServeOptions>();
        ServeMetrics metrics = app.Services.GetRequiredService<ServeMetrics>();
        byte[] png = SamplePng(served);

        output.WriteLine($"{served.Architecture} from {served.Path} at {address}: {options.Workers} worker(s), batches of up to {options.MaxBatchSize}, " +
            $"{Environment.ProcessorCount} cores; each client count runs {seconds:0.#} s or {maxRequests:N0} requests, whichever ends first");
        output.WriteLine();
        output.WriteLine("| clients | requests | errors | requests/s | p50 ms | p99 ms | mean batch |");
        output.WriteLine("|--------:|---------:|-------:|-----------:|-------:|-------:|-----------:|");
        await RunClientsAsync(address, png, clients: 4, TimeSpan.FromSeconds(1), 200); // warm-up: JIT, connections, caches
        foreach (int clients in clientCounts)
        {
            long batchesBefore = metrics.BatchSizes.Count;
            double requestsBefore = metrics.BatchSizes.Sum;
            Run run = await RunClientsAsync(address, png, clients, TimeSpan.FromSeconds(seconds), maxRequests);
            double meanBatch = (metrics.BatchSizes.Sum - requestsBefore) / Math.Max(1, metrics.BatchSizes.Count - batchesBefore);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {clients} | {run.Latencies.Length:N0} | {run.Errors} | {run.Latencies.Length / run.Elapsed.TotalSeconds:N0} | {Percentile(run.Latencies, 0.50):F2} | {Percentile(run.Latencies, 0.99):F2} | {meanBatch:F1} |"));
        }
        await app.StopAsync();
        return 0;
    }

    /// <summary>The answered requests' latencies in milliseconds, sorted, the failed requests, and the wall time.</summary>
    private sealed record Run(double[] Latencies, int Errors, TimeSpan Elapsed);

    private static async Task<Run> RunClientsAsync(string address, byte[] png, int clients, TimeSpan duration, int maxRequests)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
        int started = 0, errors = 0;
        var clock = Stopwatch.StartNew();
        List<double>[] latencies = await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            var mine = new List<double>();
            while (clock.Elapsed < duration && Interlocked.Increment(ref started) <= maxRequests)
            {
                using var content = new ByteArrayContent(png);
                content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
                long start = Stopwatch.GetTimestamp();
                using HttpResponseMessage response = await http.PostAsync("/predict", content);
                await response.Content.ReadAsByteArrayAsync();
                if (response.IsSuccessStatusCode) mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                else Interlocked.Increment(ref errors);
            }
            return mine;
        }));
        TimeSpan elapsed = clock.Elapsed;
        double[] all = latencies.SelectMany(l => l).Order().ToArray();
        return new Run(all, errors, elapsed);
    }

    /// <summary>The nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>A PNG of random pixels, of the network's size and channels, as a client would upload.</summary>
    private static byte[] SamplePng(ServedModel model)
    {
        var random = new Random(1);
        var pixels = new byte[model.InputShape.Size];
        random.NextBytes(pixels);
        string path = Path.Combine(Path.GetTempPath(), $"cnn-serve-bench-{Environment.ProcessId}.png");
        try
        {
            PngWriter.Write(path, pixels, model.InputShape.Width, model.InputShape.Height, model.InputShape.Channels);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

using Cnn.IO;
using ServeSample;

// Serves a model saved by samples/FashionMnist (--save) over HTTP: POST /predict, GET /health,
// GET /metrics. "bench MODEL" instead measures the service under 1, 8 and 64 concurrent clients.
if (args is ["bench", .. var benchArgs]) return await LoadBenchmark.RunAsync(benchArgs, Console.Out);

WebApplication app;
try
{
    app = ServeApp.Create(args);
}
catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or ModelFormatException or SafeTensorsFormatException or InvalidOperationException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
await app.RunAsync();
return 0;

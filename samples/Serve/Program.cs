using Cnn.IO;
using ServeSample;

// Serves a model saved by samples/FashionMnist (--save) over HTTP: POST /predict, GET /health,
// GET /metrics. "bench MODEL" instead measures the service under 1, 8 and 64 concurrent clients.
if (args is ["bench", .. var benchArgs]) return await LoadBenchmark.RunAsync(benchArgs, Console.Out);
if (args is ["--help" or "-h" or "-?"])
{
    Console.WriteLine("""
        Usage: Serve --Model FILE [--urls http://127.0.0.1:5117] [--Serve:Workers N] [--Serve:MaxBatchSize N]
                     [--Serve:MaxBatchDelayMs MS] [--Serve:QueueCapacity N] [--Serve:MaxUploadBytes N]
               Serve bench FILE [--clients 1,8,64] [--seconds 5] [--requests 20000] [--Serve:... as above]
        FILE is a .safetensors saved by samples/FashionMnist --save (class names and normalisation in its metadata).
        Endpoints: POST /predict[?top=K] (PNG or JPEG body or form file, or {"tensor": [...]}), GET /health, GET /metrics.
        """);
    return 0;
}

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

using System.Net;
using System.Text.Json;
using Cnn.IO;
using ServeSample;
using Xunit;

namespace Cnn.Serve.Tests;

public sealed class HealthAndMetricsTests(ServedFashionNet served) : IClassFixture<ServedFashionNet>
{
    [Fact]
    public async Task Health_DescribesTheModelFromItsFile()
    {
        using HttpClient client = served.Factory.CreateClient();

        using JsonDocument health = JsonDocument.Parse(await client.GetStringAsync("/health"));

        Assert.Equal("ok", health.RootElement.GetProperty("status").GetString());
        Assert.Equal("FashionNet", health.RootElement.GetProperty("architecture").GetString());
        Assert.Equal([1, 28, 28], health.RootElement.GetProperty("input_shape").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal(ServedFashionNet.ClassNames, health.RootElement.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.True(health.RootElement.GetProperty("normalized").GetBoolean());
        Assert.Equal(3, health.RootElement.GetProperty("workers").GetInt32());
    }

    [Fact]
    public async Task Metrics_CountRequestsByStatus_TheirLatencyAndTheBatchedRequests()
    {
        using HttpClient client = served.Factory.CreateClient();
        ServeMetrics metrics = (ServeMetrics)served.Factory.Services.GetService(typeof(ServeMetrics))!;
        long okBefore = metrics.Requests(200), badBefore = metrics.Requests(415), latencyBefore = metrics.Latency.Count;
        double batchedBefore = metrics.BatchSizes.Sum;

        for (int i = 0; i < 3; i++)
        {
            using HttpResponseMessage ok = await client.PostAsync("/predict", PredictTests.Raw(ServedFashionNet.RandomPng((ulong)i).Png, "image/png"));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        using HttpResponseMessage bad = await client.PostAsync("/predict", PredictTests.Raw("nope"u8.ToArray(), "image/png"));
        string text = await client.GetStringAsync("/metrics");

        Assert.Equal(okBefore + 3, metrics.Requests(200));
        Assert.Equal(badBefore + 1, metrics.Requests(415));
        Assert.Equal(latencyBefore + 4, metrics.Latency.Count);
        Assert.Equal(batchedBefore + 3, metrics.BatchSizes.Sum); // bad input never reaches a worker
        Assert.Contains($"cnn_serve_requests_total{{status=\"200\"}} {metrics.Requests(200)}\n", text);
        Assert.Contains("# TYPE cnn_serve_request_duration_seconds histogram\n", text);
        Assert.Contains($"cnn_serve_request_duration_seconds_count {metrics.Latency.Count}\n", text);
        Assert.Contains("cnn_serve_batch_size_bucket{le=\"+Inf\"}", text);
    }

    [Fact]
    public void AModelOfAnotherArchitecture_StopsTheServiceAtStartNamingIt()
    {
        using var network = new UnservedNet(1);
        string path = Path.Combine(Path.GetDirectoryName(served.ModelPath)!, "unserved.safetensors");
        ModelFile.Save(network, path);

        var error = Assert.Throws<InvalidDataException>(() => ServeApp.Create(["--Model", path]));

        Assert.Contains("holds a UnservedNet, not one of the networks this sample serves (FashionNet, LeNet5, MnistBnNet, MnistNet)", error.Message);
    }
}

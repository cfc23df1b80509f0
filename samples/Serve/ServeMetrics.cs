using System.Globalization;
using System.Text;

namespace ServeSample;

/// <summary>
/// What <c>/metrics</c> reports, in the Prometheus text format: prediction requests by HTTP status,
/// their latency, and the sizes of the batches the workers ran.
/// </summary>
public sealed class ServeMetrics
{
    private readonly long[] _requestsByStatus = new long[600];

    /// <summary>Latency of <c>/predict</c>, from the request's start to its answer, in seconds.</summary>
    public Histogram Latency { get; } = new("cnn_serve_request_duration_seconds", "Time to answer a prediction request, in seconds.",
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);

    /// <summary>Requests per forward pass.</summary>
    public Histogram BatchSizes { get; } = new("cnn_serve_batch_size", "Requests run together in one forward pass.",
        [1, 2, 4, 8, 16, 32, 64, 128]);

    /// <summary>Counts one answered prediction request.</summary>
    public void RecordRequest(int status, TimeSpan elapsed)
    {
        Interlocked.Increment(ref _requestsByStatus[Math.Clamp(status, 0, _requestsByStatus.Length - 1)]);
        Latency.Observe(elapsed.TotalSeconds);
    }

    /// <summary>Counts one forward pass of <paramref name="size"/> requests.</summary>
    public void RecordBatch(int size) => BatchSizes.Observe(size);

    /// <summary>Prediction requests answered with <paramref name="status"/>.</summary>
    public long Requests(int status) => Interlocked.Read(ref _requestsByStatus[status]);

    /// <summary>Everything, in the Prometheus text exposition format (version 0.0.4).</summary>
    public string Format()
    {
        var text = new StringBuilder();
        text.Append("# HELP cnn_serve_requests_total Prediction requests answered, by HTTP status.\n# TYPE cnn_serve_requests_total counter\n");
        for (int status = 0; status < _requestsByStatus.Length; status++)
        {
            long count = Interlocked.Read(ref _requestsByStatus[status]);
            if (count > 0) text.Append(CultureInfo.InvariantCulture, $"cnn_serve_requests_total{{status=\"{status}\"}} {count}\n");
        }
        Latency.WriteTo(text);
        BatchSizes.WriteTo(text);
        return text.ToString();
    }
}

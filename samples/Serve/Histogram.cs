using System.Globalization;
using System.Text;

namespace ServeSample;

/// <summary>
/// A Prometheus histogram: a count per upper bound (cumulative when written), the sum and the count
/// of the observed values. Thread-safe; observing takes a short lock.
/// </summary>
/// <param name="name">The metric name, e.g. <c>cnn_serve_request_duration_seconds</c>.</param>
/// <param name="help">What it measures, for the <c># HELP</c> line.</param>
/// <param name="bounds">The upper bounds of the buckets, ascending; <c>+Inf</c> is added.</param>
public sealed class Histogram(string name, string help, IReadOnlyList<double> bounds)
{
    private readonly long[] _counts = new long[bounds.Count + 1];
    private readonly Lock _lock = new();
    private double _sum;
    private long _count;

    /// <summary>Counts one value.</summary>
    public void Observe(double value)
    {
        int bucket = 0;
        while (bucket < bounds.Count && value > bounds[bucket]) bucket++;
        lock (_lock)
        {
            _counts[bucket]++;
            _sum += value;
            _count++;
        }
    }

    /// <summary>How many values were observed.</summary>
    public long Count
    {
        get
        {
            lock (_lock) return _count;
        }
    }

    /// <summary>The sum of the observed values.</summary>
    public double Sum
    {
        get
        {
            lock (_lock) return _sum;
        }
    }

    /// <summary>Appends the histogram in the Prometheus text format.</summary>
    public void WriteTo(StringBuilder text)
    {
        long[] counts;
        double sum;
        long count;
        lock (_lock)
        {
            counts = (long[])_counts.Clone();
            sum = _sum;
            count = _count;
        }
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} histogram\n");
        long cumulative = 0;
        for (int b = 0; b < counts.Length; b++)
        {
            cumulative += counts[b];
            string bound = b < bounds.Count ? bounds[b].ToString("R", CultureInfo.InvariantCulture) : "+Inf";
            text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"{bound}\"}} {cumulative}\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"{name}_sum {sum.ToString("R", CultureInfo.InvariantCulture)}\n{name}_count {count}\n");
    }
}

using System.Text.Json;
using Xunit;

namespace Cnn.Cuda.Tests;

/// <summary>
/// Measured figures a GPU test reports beside its verdict (errors against the reference, accuracies,
/// memory), as one <c>JSON {...}</c> line of test output each: the runner collects them from the
/// logs into its figures file (tests/Cnn.Cuda.Runner/device/run.sh), and a reader sees them in the log.
/// </summary>
internal static class Figures
{
    public static void Report(string check, IReadOnlyDictionary<string, object> values)
    {
        var record = new Dictionary<string, object> { ["check"] = check };
        foreach ((string key, object value) in values) record[key] = value;
        TestContext.Current.TestOutputHelper?.WriteLine("JSON " + JsonSerializer.Serialize(record));
    }
}

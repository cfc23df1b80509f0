using Cnn.IO;
using Xunit.Abstractions;

namespace Cnn.Onnx.Tests;

/// <summary>
/// Every zoo and sample network, exported with random weights and batch norm statistics, gives in
/// ONNX Runtime what it gives in Cnn on the same random batch, and passes onnx.checker's full check;
/// its initializers are its state_dict.
/// </summary>
public sealed class OnnxRuntimeParityTests(ParityTable table, ITestOutputHelper output) : IClassFixture<ParityTable>
{
    /// <summary>The tolerance of the issue: 1e-5 of the output's scale.</summary>
    private const double Tolerance = 1e-5;

    public static TheoryData<string> Networks => new(ExportedNetworks.All.Select(n => n.Type.FullName!));

    [Theory]
    [MemberData(nameof(Networks))]
    public void ExportedNetwork_GivesCnnsOutputsInOnnxRuntime_AndPassesTheChecker(string name)
    {
        (string group, Type type) = ExportedNetworks.All.Single(n => n.Type.FullName == name);
        int batch;
        using (INetwork probe = ExportedNetworks.Create(type, 1, 0))
        {
            // Two samples of the 224×224 networks keep VGG's activations small; four of the others.
            batch = probe.InputShape.Size >= 100_000 ? 2 : 4;
        }
        using INetwork network = ExportedNetworks.Create(type, batch, seed: 17);
        ExportedNetworks.RandomizeBatchNorm(network, seed: 1700);
        float[] input = RandomTestData.Uniform((long)batch * network.InputShape.Size, seed: 170);
        float[] expected = ExportedNetworks.Predict(network, input, batch);

        string path = Path.Combine(Path.GetTempPath(), $"cnn-onnx-{Environment.ProcessId}-{type.Name}.onnx");
        try
        {
            ModelFile.ExportOnnx(network, path);
            float[] actual = OnnxRuntimeRunner.Run(path, input, batch, network.InputShape);
            double error = OnnxRuntimeRunner.RelativeError(actual, expected);
            CheckedModel check = Python.Check(path);
            table.Add(group, type.Name, error, check.Passed ? "passed" : "FAILED", batch);
            output.WriteLine($"{type.Name}: max relative error {error:E2}; checker {check.Message}");

            Assert.True(check.Passed, check.Message);
            Assert.True(error <= Tolerance, $"{type.Name}: ONNX Runtime differs from Cnn by {error:E2} of the output's scale.");
            string[] stateDict = network.ParameterInfos.Concat(network.BufferInfos)
                .Where(p => p.Role != ParameterRole.BatchesTracked).Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
            // Every parameter and running statistic under its state_dict name; other initializers are the few constants ("gelu1/sqrt2").
            Assert.Equal(stateDict, check.Initializers.Where(n => !n.Contains('/')).Order(StringComparer.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

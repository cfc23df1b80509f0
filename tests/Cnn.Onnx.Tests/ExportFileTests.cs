using Cnn.Data;
using Cnn.IO;
using Cnn.IO.Onnx;
using Cnn.Models;

namespace Cnn.Onnx.Tests;

/// <summary>What ExportOnnx writes besides the graph (opset, batch axis, metadata), and what it leaves when it cannot export.</summary>
public sealed class ExportFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cnn-onnx-file-").FullName;

    [Fact]
    public void Export_WritesOpset17_ADynamicBatchAxis_AndTheClassNamesAndNormalisationAsMetadata()
    {
        using var network = new LeNet5(1, seed: 3);
        string path = Path.Combine(_folder, "lenet5.onnx");
        string[] classes = Enumerable.Range(0, 10).Select(i => $"digit {i}").ToArray();

        ModelFile.ExportOnnx(network, path, new OnnxExportOptions
        {
            Metadata = new ModelMetadata(classes, new Dictionary<string, string> { ["license"] = "MIT" }),
            Normalization = Normalization.Mnist,
        });

        CheckedModel check = Python.Check(path);
        Assert.True(check.Passed, check.Message);
        Assert.Equal(17, check.Summary!.Value.GetProperty("opsets").GetProperty("").GetInt32());
        Assert.Equal("batch", check.Summary.Value.GetProperty("inputs").GetProperty("input")[0].GetString());
        Assert.Equal("batch", check.Summary.Value.GetProperty("outputs").GetProperty("output")[0].GetString());
        IReadOnlyDictionary<string, string> metadata = OnnxRuntimeRunner.Metadata(path);
        Assert.Equal("LeNet5", metadata[ModelFile.ArchitectureKey]);
        Assert.Equal("1,28,28", metadata[ModelFile.InputShapeKey]);
        Assert.Equal("[\"digit 0\",\"digit 1\",\"digit 2\",\"digit 3\",\"digit 4\",\"digit 5\",\"digit 6\",\"digit 7\",\"digit 8\",\"digit 9\"]", metadata[ModelFile.ClassNamesKey]);
        Assert.Equal("[0.1307]", metadata["normalization_mean"]);
        Assert.Equal("[0.3081]", metadata["normalization_std"]);
        Assert.Equal("MIT", metadata["license"]);
    }

    [Fact]
    public void Export_RunsAnyBatchSize_ThroughTheDynamicAxis()
    {
        using var network = new LeNet5(5, seed: 4);
        string path = Path.Combine(_folder, "lenet5.onnx");
        ModelFile.ExportOnnx(network, path);

        foreach (int batch in new[] { 1, 5 })
        {
            float[] input = RandomTestData.Uniform(batch * network.InputShape.Size, seed: (ulong)batch);
            float[] expected = ExportedNetworks.Predict(network, input, batch);
            Assert.True(OnnxRuntimeRunner.RelativeError(OnnxRuntimeRunner.Run(path, input, batch, network.InputShape), expected) <= 1e-5);
        }
    }

    [Fact]
    public void Export_WithOpset13AndAFixedBatch_PassesTheChecker_AndRuns()
    {
        using var network = new LeNet5(3, seed: 5);
        string path = Path.Combine(_folder, "lenet5-13.onnx");
        ModelFile.ExportOnnx(network, path, new OnnxExportOptions { Opset = 13, BatchAxisName = null, FixedBatchSize = 3 });

        CheckedModel check = Python.Check(path);
        Assert.True(check.Passed, check.Message);
        Assert.Equal(13, check.Summary!.Value.GetProperty("opsets").GetProperty("").GetInt32());
        Assert.Equal(3, check.Summary.Value.GetProperty("inputs").GetProperty("input")[0].GetInt32());
        float[] input = RandomTestData.Uniform(3 * network.InputShape.Size, seed: 13);
        Assert.True(OnnxRuntimeRunner.RelativeError(OnnxRuntimeRunner.Run(path, input, 3, network.InputShape), ExportedNetworks.Predict(network, input, 3)) <= 1e-5);
    }

    [Fact]
    public void Export_OfALayerOnnxCannotExpress_NamesTheLayer_AndLeavesNoFile()
    {
        using var network = new UnequalAdaptivePoolNet(1);
        string path = Path.Combine(_folder, "unequal.onnx");

        OnnxExportException error = Assert.Throws<OnnxExportException>(() => ModelFile.ExportOnnx(network, path));

        Assert.Equal("avgpool", error.Layer);
        Assert.Contains("layer 'avgpool'", error.Message);
        Assert.Contains("5×5 to 2×2", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_folder));
    }

    [Fact]
    public void Export_ThatFails_LeavesAnEarlierFileAsItWas()
    {
        string path = Path.Combine(_folder, "model.onnx");
        File.WriteAllText(path, "an earlier export");
        using var network = new UnequalAdaptivePoolNet(1);

        Assert.Throws<OnnxExportException>(() => ModelFile.ExportOnnx(network, path));

        Assert.Equal("an earlier export", File.ReadAllText(path));
        Assert.Equal(["model.onnx"], Directory.EnumerateFiles(_folder).Select(Path.GetFileName));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

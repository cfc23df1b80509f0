using System.Text.Json.Nodes;
using Cnn.Optimizers;
using Cnn.Training;
using Xunit;

namespace Cnn.Runtime.Tests.Training;

/// <summary>A checkpoint's state.json is validated field by field before the network is touched, and every error names the file.</summary>
public sealed class CheckpointStateTests : IDisposable
{
    private readonly TrainingData.TempDirectory _directory = new();

    public CheckpointStateTests() => CheckpointFiles.Create(_directory.Path);

    public void Dispose() => _directory.Dispose();

    private string StatePath => CheckpointFiles.StatePath(_directory.Path);

    [Fact]
    public void Resume_WithANegativeEpoch_FailsBeforeTouchingTheNetwork()
    {
        CheckpointFiles.Edit(_directory.Path, state => state["epoch"] = -5);
        using var network = new PatternNet(10, seed: 99);
        using var optimizer = new Adam(network, 0.02f);
        float[] before = CheckpointFiles.State(network, optimizer);

        var error = Assert.Throws<FormatException>(() => network.Fit(CheckpointFiles.Train, null,
            CheckpointFiles.Options(optimizer) with { Epochs = 3, ResumeFrom = _directory.Path }));

        Assert.Contains(StatePath, error.Message);
        Assert.Contains("epoch", error.Message);
        Assert.Equal(before, CheckpointFiles.State(network, optimizer));
    }

    [Theory]
    [InlineData(1_000_000)]
    [InlineData(-3)]
    [InlineData(5)] // one more than the 4 batches per epoch
    public void Read_RefusesBatchesDoneOutsideTheEpoch(int batchesDone)
    {
        CheckpointFiles.Edit(_directory.Path, state => state["batches_done"] = batchesDone);

        var error = Assert.Throws<FormatException>(() => TrainingCheckpoint.Read(_directory.Path));

        Assert.Contains(StatePath, error.Message);
        Assert.Contains("batches_done", error.Message);
    }

    [Theory]
    [InlineData("epoch")]
    [InlineData("step")]
    [InlineData("batch_size")]
    [InlineData("seed")]
    public void Read_AHugeNumber_NamesTheFileAndTheField(string field)
    {
        CheckpointFiles.Edit(_directory.Path, state => state[field] = JsonNode.Parse("1e30"));

        var error = Assert.Throws<FormatException>(() => TrainingCheckpoint.Read(_directory.Path));

        Assert.Contains(StatePath, error.Message);
        Assert.Contains(field, error.Message);
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../model-00000004.safetensors")]
    [InlineData("sub/model-00000004.safetensors")]
    [InlineData("..")]
    [InlineData("")]
    public void Read_RefusesAModelFileThatIsNotAPlainNameInTheFolder(string name)
    {
        CheckpointFiles.Edit(_directory.Path, state => state["model_file"] = name);

        var error = Assert.Throws<FormatException>(() => TrainingCheckpoint.Read(_directory.Path));

        Assert.Contains(StatePath, error.Message);
        Assert.Contains("model_file", error.Message);
    }

    [Fact]
    public void Read_RefusesAnOptimizerFileOutsideTheFolder()
    {
        CheckpointFiles.Edit(_directory.Path, state => state["optimizer_file"] = Path.Combine(_directory.Path, "optimizer-00000004.safetensors"));

        var error = Assert.Throws<FormatException>(() => TrainingCheckpoint.Read(_directory.Path));

        Assert.Contains("optimizer_file", error.Message);
    }

    [Fact]
    public void Resume_WithACallbackStateMissingAValue_FailsWithoutTouchingTheNetwork()
    {
        CheckpointFiles.Edit(_directory.Path, state => state["callbacks"] = new JsonObject { ["early_stopping.loss"] = new JsonObject { ["best"] = 1.0 } });
        using var network = new PatternNet(10, seed: 99);
        using var optimizer = new Adam(network, 0.02f);
        float[] before = CheckpointFiles.State(network, optimizer);

        var error = Assert.Throws<FormatException>(() => network.Fit(CheckpointFiles.Train, null,
            CheckpointFiles.Options(optimizer) with { Epochs = 3, ResumeFrom = _directory.Path, Callbacks = [new EarlyStopping("loss")] }));

        Assert.Contains(StatePath, error.Message);
        Assert.Equal(before, CheckpointFiles.State(network, optimizer));
    }
}

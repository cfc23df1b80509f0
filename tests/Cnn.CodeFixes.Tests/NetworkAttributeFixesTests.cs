using Xunit;
using Xunit.Abstractions;

namespace Cnn.CodeFixes.Tests;

/// <summary>Each fix turns the error into a network that generates cleanly, with the one edit it names.</summary>
public sealed class NetworkAttributeFixesTests(ITestOutputHelper log)
{
    private string Fix(string before, string id, string expectedTitle)
    {
        string after = CodeFixHarness.ApplyFix(before, id, out string title);
        Assert.Equal(expectedTitle, title);
        log.WriteLine($"{id}: {title}\n--- before\n{before}\n--- after\n{after}");
        Assert.Empty(CodeFixHarness.GeneratorDiagnostics(after));
        return after;
    }

    [Fact]
    public void Cnn0009_InsertsFlattenBeforeTheLinear()
    {
        const string before = """
            using Cnn;

            [Network]
            [Input(1, 28, 28)]
            [Conv2d("conv1", 8, 3, Padding = 1)]
            [MaxPool2d(2)]
            [ReLU]
            [Linear("fc1", 10)]
            [LogSoftmax]
            public partial class TinyNet { }
            """;
        string after = Fix(before, "CNN0009", "Add [Flatten] before this layer");
        Assert.Equal(before.Replace("[ReLU]\n[Linear", "[ReLU]\n[Flatten]\n[Linear"), after);
    }

    [Fact]
    public void Cnn0004_SetsInChannelsToTheArrivingChannels()
    {
        const string before = """
            using Cnn;

            [Network]
            [Input(1, 28, 28)]
            [Conv2d("conv1", 32, 3)]
            [ReLU]
            [Conv2d("conv2", 64, 3, InChannels = 16)]
            public partial class Net { }
            """;
        string after = Fix(before, "CNN0004", "Set InChannels = 32");
        Assert.Equal(before.Replace("InChannels = 16", "InChannels = 32"), after);
    }

    [Fact]
    public void Cnn0008_SetsInFeaturesToTheArrivingFeatures()
    {
        const string before = """
            using Cnn;

            [Network]
            [Input(1, 28, 28)]
            [Flatten]
            [Linear("fc1", 128, InFeatures = 512)]
            public partial class Net { }
            """;
        string after = Fix(before, "CNN0008", "Set InFeatures = 784");
        Assert.Equal(before.Replace("InFeatures = 512", "InFeatures = 784"), after);
    }

    [Fact]
    public void Cnn0027_ReplacesBatchNorm2dByBatchNorm1dAfterFlatten()
    {
        const string before = """
            using Cnn;

            [Network]
            [Input(1, 28, 28)]
            [Flatten]
            [Linear("fc1", 128)]
            [BatchNorm2d("bn1")]
            [Linear("fc2", 10)]
            public partial class Net { }
            """;
        string after = Fix(before, "CNN0027", "Use [BatchNorm1d]");
        Assert.Equal(before.Replace("BatchNorm2d", "BatchNorm1d"), after);
    }

    [Fact]
    public void Cnn0022_AddsTorchvisionsDownsampleBeforeTheEndOfTheResidual()
    {
        // The main path halves the plane and doubles the channels; the identity cannot be added.
        const string before = """
            using Cnn;

            [Network]
            [Input(16, 8, 8)]
            [Residual("block")]
            [Conv2d("conv1", 32, 3, Stride = 2, Padding = 1, Bias = false)]
            [BatchNorm2d("bn1")]
            [ReLU]
            [Residual("inner")]
            [Conv2d("conv2", 32, 3, Padding = 1, Bias = false)]
            [EndResidual]
            [EndResidual]
            [ReLU]
            public partial class Net { }
            """;
        string after = Fix(before, "CNN0022", "Add a [Shortcut] with a 1×1 Conv2d to 32 channels, stride 2");
        Assert.Equal(before.Replace("[EndResidual]\n[EndResidual]\n", """
            [EndResidual]
            [Shortcut("downsample")]
            [Conv2d("0", 32, 1, Stride = 2, Bias = false)]
            [BatchNorm2d("1")]
            [EndResidual]

            """), after);
    }
}

using Cnn.Data.Tests;
using Cnn.Runtime.Tests.Networks;
using Xunit;

namespace Cnn.IO.Tests;

/// <summary>The tutorial-style body of SmallConvNet with a 5-class head: fc2's shapes differ.</summary>
[Network]
[Input(1, 12, 12)]
[Conv2d("conv1", 8, 3, PaddingMode = PaddingMode.Same)]
[MaxPool2d(2)]
[ReLU]
[Conv2d("conv2", 16, 3, Padding = 1)]
[MaxPool2d(2)]
[ReLU]
[Flatten]
[Linear("fc1", 32)]
[ReLU]
[Linear("fc2", 5)]
public partial class FiveClassConvNet
{
}

/// <summary>The same body with a head named "head": the file's fc2 is unexpected, the network's head missing.</summary>
[Network]
[Input(1, 12, 12)]
[Conv2d("conv1", 8, 3, PaddingMode = PaddingMode.Same)]
[MaxPool2d(2)]
[ReLU]
[Conv2d("conv2", 16, 3, Padding = 1)]
[MaxPool2d(2)]
[ReLU]
[Flatten]
[Linear("fc1", 32)]
[ReLU]
[Linear("head", 10)]
public partial class RenamedHeadConvNet
{
}

/// <summary><see cref="ModelFile.Load(INetwork, string, LoadOptions)"/>: PyTorch's load_state_dict(strict=False), plus include and exclude.</summary>
public class NonStrictLoadTests
{
    private static readonly string[] Body = ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias"];

    [Fact]
    public void NonStrict_LoadsTheBody_ReportsTheHeadsShapes_AndNeverWritesThem()
    {
        using var directory = new TempDirectory("cnn-load-");
        string path = SaveSource(directory);
        using var network = new FiveClassConvNet(1, seed: 2);
        float[] before = Download(network);

        LoadResult result = ModelFile.Load(network, path, new LoadOptions { Strict = false });

        Assert.Equal(Body, result.Loaded);
        Assert.Empty(result.Missing);
        Assert.Empty(result.Unexpected);
        Assert.Equal(["'fc2.weight' has shape [10,32] in the file but [5,32] in FiveClassConvNet", "'fc2.bias' has shape [10] in the file but [5] in FiveClassConvNet"], result.ShapeMismatched);
        AssertValues(network, before, path, loaded: Body);
    }

    [Fact]
    public void NonStrict_ReportsMissingAndUnexpectedNames()
    {
        using var directory = new TempDirectory("cnn-load-");
        string path = SaveSource(directory);
        using var network = new RenamedHeadConvNet(1, seed: 2);
        float[] before = Download(network);

        LoadResult result = ModelFile.Load(network, path, new LoadOptions { Strict = false });

        Assert.Equal(Body, result.Loaded);
        Assert.Equal(["head.weight", "head.bias"], result.Missing);
        Assert.Equal(["fc2.bias", "fc2.weight"], result.Unexpected);
        Assert.Empty(result.ShapeMismatched);
        AssertValues(network, before, path, loaded: Body);
    }

    [Fact]
    public void Strict_RefusesTheMismatch_AndLeavesTheNetworkAsItWas()
    {
        using var directory = new TempDirectory("cnn-load-");
        string path = SaveSource(directory);
        using var network = new FiveClassConvNet(1, seed: 2);
        float[] before = Download(network);

        var error = Assert.Throws<ModelFormatException>(() => ModelFile.Load(network, path, new LoadOptions()));
        Assert.Contains("'fc2.weight' has shape [10,32] in the file but [5,32]", error.Message);
        Assert.Equal(before, Download(network));
    }

    [Fact]
    public void IncludeAndExclude_SelectByNamePrefix_OnBothSides()
    {
        using var directory = new TempDirectory("cnn-load-");
        string path = SaveSource(directory);
        using var network = new FiveClassConvNet(1, seed: 2);
        float[] before = Download(network);

        // Excluding the head on both sides makes the rest a strict match.
        LoadResult body = ModelFile.Load(network, path, new LoadOptions { Exclude = ["fc2"] });
        Assert.Equal(Body, body.Loaded);
        AssertValues(network, before, path, loaded: Body);

        using var convOnly = new FiveClassConvNet(1, seed: 2);
        before = Download(convOnly);
        LoadResult result = ModelFile.Load(convOnly, path, new LoadOptions { Strict = false, Include = ["conv1", "conv2"], Exclude = ["conv2.bias"] });
        Assert.Equal(["conv1.weight", "conv1.bias", "conv2.weight"], result.Loaded);
        Assert.Empty(result.Missing.Concat(result.Unexpected).Concat(result.ShapeMismatched));
        AssertValues(convOnly, before, path, loaded: ["conv1.weight", "conv1.bias", "conv2.weight"]);
    }

    private static string SaveSource(TempDirectory directory)
    {
        string path = Path.Combine(directory.Path, "source.safetensors");
        using var source = new SmallConvNet(1, seed: 1);
        ModelFile.Save(source, path);
        return path;
    }

    /// <summary>The <paramref name="loaded"/> tensors hold the file's values bit for bit; every other one its value from <paramref name="before"/>.</summary>
    private static void AssertValues(INetwork network, float[] before, string path, string[] loaded)
    {
        float[] after = Download(network);
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        foreach (ParameterInfo p in network.ParameterInfos)
        {
            float[] expected = before.AsSpan((int)p.Offset, p.Length).ToArray();
            if (loaded.Contains(p.Name))
            {
                Assert.True(file.TryGetTensor(p.Name, out SafeTensorInfo? tensor));
                file.ReadAsSingle(tensor, expected);
            }
            Assert.Equal(expected, after.AsSpan((int)p.Offset, p.Length).ToArray());
        }
    }

    private static float[] Download(INetwork network)
    {
        var values = new float[network.Parameters.Length];
        network.Backend.Download(network.Parameters, values);
        return values;
    }
}

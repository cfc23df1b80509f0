using Cnn.Generators.Tests.TestSupport;

namespace Cnn.Generators.Tests;

/// <summary>The emitted source of every sample network, compared with its checked-in .verified.cs.</summary>
public class SnapshotTests
{
    private const string Models = "src/Cnn.Models/";

    /// <summary>Each network's file first, then the files of the blocks it uses.</summary>
    public static TheoryData<string[]> SampleNetworks => new()
    {
        new[] { "samples/FashionMnist/Networks/MnistNet.cs" },
        new[] { Models + "LeNet5.cs" },
        new[] { Models + "CifarAlexNet.cs" },
        new[] { Models + "ResNet18.cs", Models + "BasicBlock.cs" },
        new[] { Models + "GoogLeNet.cs", Models + "Inception.cs", Models + "BasicConv2d.cs" },
    };

    [Theory]
    [MemberData(nameof(SampleNetworks))]
    public void SampleNetwork_EmitsVerifiedSource(string[] relativePaths)
    {
        string[] sources = relativePaths.Select(p => File.ReadAllText(Path.Combine(Snapshot.RepositoryRoot(), p))).ToArray();

        GeneratorOutput output = GeneratorHarness.Run(sources);

        Assert.Empty(output.GeneratorDiagnostics);
        Assert.Empty(output.CompileErrors);
        string generated = Assert.Single(output.GeneratedSources);
        Snapshot.Verify(generated, Path.GetFileNameWithoutExtension(relativePaths[0]));
    }
}

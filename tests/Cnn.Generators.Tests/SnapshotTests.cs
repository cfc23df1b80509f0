using Cnn.Generators.Tests.TestSupport;

namespace Cnn.Generators.Tests;

/// <summary>The emitted source of every sample network, compared with its checked-in .verified.cs.</summary>
public class SnapshotTests
{
    public static TheoryData<string> SampleNetworks => new()
    {
        "samples/FashionMnist/Networks/MnistNet.cs",
        "samples/FashionMnist/Networks/LeNet5.cs",
    };

    [Theory]
    [MemberData(nameof(SampleNetworks))]
    public void SampleNetwork_EmitsVerifiedSource(string relativePath)
    {
        string source = File.ReadAllText(Path.Combine(Snapshot.RepositoryRoot(), relativePath));

        GeneratorOutput output = GeneratorHarness.Run(source);

        Assert.Empty(output.GeneratorDiagnostics);
        Assert.Empty(output.CompileErrors);
        string generated = Assert.Single(output.GeneratedSources);
        Snapshot.Verify(generated, Path.GetFileNameWithoutExtension(relativePath));
    }
}

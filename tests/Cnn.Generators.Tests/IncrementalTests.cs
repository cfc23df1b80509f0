using Cnn.Generators.Tests.TestSupport;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Cnn.Generators.Tests;

/// <summary>The pipeline caches: an edit that does not touch a network leaves its steps Unchanged or Cached.</summary>
public class IncrementalTests
{
    private const string Network = """
        using Cnn;
        namespace Tests;
        [Network]
        [Input(1, 8, 8)]
        [Conv2d("conv1", 4, 3)]
        [ReLU]
        [Flatten]
        [Linear("fc", 10)]
        public partial class Net { }
        """;

    [Fact]
    public void UnrelatedEdit_LeavesParseAndShapeStepsUnchanged()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Network, "namespace Tests; public class Other { }");
        GeneratorDriver driver = GeneratorHarness.Driver(trackSteps: true).RunGenerators(compilation);

        SyntaxTree other = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(other,
            CSharpSyntaxTree.ParseText("namespace Tests; public class Other { public int Added; }", GeneratorHarness.ParseOptions, path: other.FilePath));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (string step in new[] { NetworkGenerator.TrackingNames.Parse, NetworkGenerator.TrackingNames.Shapes })
        {
            var reasons = result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
            Assert.NotEmpty(reasons);
            Assert.All(reasons, reason => Assert.True(
                reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached,
                $"step {step} ran again: {reason}"));
        }
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
    }

    [Fact]
    public void EditToTheNetwork_RunsTheStepsAgain()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Network);
        GeneratorDriver driver = GeneratorHarness.Driver(trackSteps: true).RunGenerators(compilation);

        SyntaxTree tree = compilation.SyntaxTrees.Single();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(tree,
            CSharpSyntaxTree.ParseText(Network.Replace("[Linear(\"fc\", 10)]", "[Linear(\"fc\", 12)]"), GeneratorHarness.ParseOptions, path: tree.FilePath));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(result.TrackedSteps[NetworkGenerator.TrackingNames.Shapes].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
    }

    [Theory]
    [InlineData("moved")]
    [InlineData("member")]
    public void MovingTheNetworkOrEditingAnotherMember_DoesNotReEmitItsSource(string edit)
    {
        string network = Network.Replace("public partial class Net { }", "public partial class Net { public int Kept; }");
        CSharpCompilation compilation = GeneratorHarness.Compile(network);
        GeneratorDriver driver = GeneratorHarness.Driver(trackSteps: true).RunGenerators(compilation);

        string changed = edit == "moved"
            ? "// three lines\n// that move\n// every attribute\n" + network
            : network.Replace("public int Kept;", "public int Kept; public string Added => \"x\";");
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(changed, GeneratorHarness.ParseOptions, path: tree.FilePath));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        var code = result.TrackedSteps[NetworkGenerator.TrackingNames.Code].SelectMany(s => s.Outputs).ToArray();
        Assert.NotEmpty(code);
        Assert.All(code, o => Assert.True(o.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached, $"the code model changed: {o.Reason}"));
        // Neither output ran again: the source (and the reports, none here) are cached.
        var sources = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToArray();
        Assert.NotEmpty(sources);
        Assert.All(sources, o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        if (edit == "moved")
        {
            // The diagnostics (here none) are what follows the lines.
            Assert.Contains(result.TrackedSteps[NetworkGenerator.TrackingNames.Parse].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        }
    }
}

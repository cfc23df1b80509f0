using Cnn.Generators.Layers;
using Cnn.Generators.Tests.TestSupport;

namespace Cnn.Generators.Tests;

/// <summary>The registry of layer kinds: one place per kind, and every layer attribute has one.</summary>
public class LayerKindsTests
{
    /// <summary>Attributes the parser reads as structure, not as layers.</summary>
    private static readonly string[] Markers =
    {
        "ResidualAttribute", "ShortcutAttribute", "EndResidualAttribute", "ConcatAttribute", "BranchAttribute", "EndConcatAttribute",
        "InputAttribute", "NetworkAttribute", "BlockAttribute",
    };

    [Fact]
    public void EveryLayerAttribute_IsReadByExactlyOneKind()
    {
        var attributes = typeof(NetworkAttribute).Assembly.GetTypes()
            .Where(t => t.Namespace == "Cnn" && typeof(Attribute).IsAssignableFrom(t) && !t.IsAbstract && !t.IsGenericType)
            .Select(t => t.Name)
            .Where(n => !Markers.Contains(n))
            .ToList();

        Assert.Contains("SiLUAttribute", attributes);
        Assert.All(attributes, a => Assert.True(LayerKinds.ForAttribute(a) is not null, $"no layer kind reads [{a.Replace("Attribute", "")}]"));
        var claimed = LayerKinds.All.SelectMany(k => k.Attributes).ToList();
        Assert.Equal(claimed.Count, claimed.Distinct().Count());
    }

    [Theory]
    [InlineData("SiLU")]
    [InlineData("GELU")]
    public void SmoothActivations_EmitTheirBackendKind(string attribute)
    {
        string source = $$"""
            using Cnn;
            [Network]
            [Input(4)]
            [Linear("fc", 3)]
            [{{attribute}}]
            public partial class Net { }
            """;
        GeneratorOutput output = GeneratorHarness.Run(source);
        Assert.Empty(output.GeneratorDiagnostics);
        Assert.Empty(output.CompileErrors);
        string generated = Assert.Single(output.GeneratedSources);
        Assert.Contains($"ActivationKind.{attribute}", generated);
        Assert.Contains($"\"{attribute.ToLowerInvariant()}1\"", generated);
    }
}

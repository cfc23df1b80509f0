using System.Text.RegularExpressions;
using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;
using Cnn.Generators.Layers;
using Cnn.Generators.Model;
using Cnn.Generators.Shapes;
using Cnn.Generators.Tests.TestSupport;

namespace Cnn.Generators.Tests;

/// <summary>Every offset the generator places in an arena is a multiple of 16 floats (64 bytes).</summary>
public class AlignmentTests
{
    private static SizeArg S(int value) => SizeArg.Of(value);

    private static Conv2dSpec Conv(string name, LocationInfo? location, SizeArg outChannels, SizeArg kernel, SizeArg stride, SizeArg padding,
        PaddingModeSpec mode, SizeArg dilation, SizeArg groups, bool bias, SizeArg inChannels)
        => new(name, location, outChannels, kernel, kernel, stride, stride, padding, padding, mode, dilation, dilation, groups, bias, inChannels);

    [Fact]
    public void ShapeInference_AlignsEveryParameterAndBuffer()
    {
        // Odd sizes everywhere, so that packing without padding would misalign almost every offset.
        var conv = Conv("conv", null, S(3), S(3), S(1), S(1), PaddingModeSpec.Explicit, S(1), S(1), true, S(0));
        var residual = new ResidualSpec("residual1", null,
            new LayerSpec[] { Conv("a", null, S(5), S(3), S(2), S(1), PaddingModeSpec.Explicit, S(1), S(1), true, S(0)), new BatchNormSpec("bn", null, true, 1e-5, 0.1) }.ToEquatableArray(),
            "down", new LayerSpec[] { Conv("0", null, S(5), S(1), S(2), S(0), PaddingModeSpec.Explicit, S(1), S(1), false, S(0)) }.ToEquatableArray());
        var concat = new ConcatSpec("concat1", null, new[]
        {
            new BranchSpec("left", new LayerSpec[] { Conv("c", null, S(7), S(1), S(1), S(0), PaddingModeSpec.Explicit, S(1), S(1), true, S(0)) }.ToEquatableArray()),
            new BranchSpec(null, EquatableArray<LayerSpec>.Empty),
        }.ToEquatableArray());
        var spec = new NetworkSpec(null, "Net", "public", new InputSpec(3, 9, 11, false, null), new LayerSpec[]
        {
            conv, residual, concat, new FlattenSpec("flatten", null), new DropoutSpec("drop", null, 0.5),
            new LinearSpec("fc", null, S(3), S(0), true), new BatchNormSpec("bn1", null, false, 1e-5, 0.1),
        }.ToEquatableArray(), null);

        ShapeResult result = ShapeInference.Infer(spec);
        Assert.Empty(result.Errors);
        ShapedNetwork net = result.Network!;

        Assert.All(net.Layers.SelectMany(l => l.Parameters), p => Assert.Equal(0, p.Offset % 16));
        Assert.Equal(0, net.ParameterLength % 16);
        Assert.Equal(0, net.BufferLength % 16);
        // The counts stay counts of values: padding is not a parameter.
        Assert.Equal(net.Layers.SelectMany(l => l.Parameters).Where(p => !p.IsBuffer).Sum(p => (long)p.Length), net.ParameterCount);
        Assert.Equal(net.Layers.SelectMany(l => l.Parameters).Where(p => p.IsBuffer).Sum(p => (long)p.Length), net.BufferCount);
    }

    [Theory]
    [MemberData(nameof(SnapshotTests.SampleNetworks), MemberType = typeof(SnapshotTests))]
    public void EmittedSource_UsesOnlyAlignedOffsets(string[] relativePaths)
    {
        string[] sources = relativePaths.Select(p => File.ReadAllText(Path.Combine(Snapshot.RepositoryRoot(), p))).ToArray();
        string generated = Assert.Single(GeneratorHarness.Run(sources).GeneratedSources);

        // Offsets into the parameter, gradient and buffer arenas, and per-sample offsets into the activations in either plan (-1: none in that mode).
        var offsets = Regex.Matches(generated, @"new global::Cnn\.Tensor\((?:_parameters|GradientArena|_buffers), (\d+),|new\(Training: (-?\d+), Inference: (-?\d+),|global::Cnn\.ParameterRole\.\w+, new int\[\] \{[^}]*\}, (\d+),")
            .SelectMany(m => m.Groups.Cast<Group>().Skip(1).Where(g => g.Success && g.Value != "-1").Select(g => long.Parse(g.Value)))
            .ToList();
        Assert.Contains("new(Training: ", generated);
        Assert.NotEmpty(offsets);
        Assert.All(offsets, offset => Assert.Equal(0, offset % 16));
    }
}

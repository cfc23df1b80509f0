using Cnn.Backends;
using Cnn.Backends.Cpu;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// The fast convolutions of one backend share one scratch workspace: a layer that runs between another
/// layer's forward and backward passes changes nothing in the other's results, and the workspace is as
/// large as the most demanding layer needs, not the sum over layers.
/// </summary>
public class SharedWorkspaceTests
{
    private static readonly Conv2dGeometry Large = Geometries.Conv(batch: 4, inChannels: 32, height: 16, width: 16, outChannels: 48, kernel: 3, padding: 1);
    private static readonly Conv2dGeometry Small = Geometries.Conv(batch: 4, inChannels: 3, height: 12, width: 12, outChannels: 8, kernel: 5, stride: 2);

    /// <summary>A layer the rule gives to Winograd, whose transformed tiles and filters share the same regions.</summary>
    private static readonly Conv2dGeometry Winograd = Geometries.Conv(batch: 4, inChannels: 64, height: 16, width: 15, outChannels: 72, kernel: 3, padding: 1);

    private sealed class Layer(BackendHarness h, Conv2dGeometry g, ulong seed)
    {
        public readonly IConv2dOperator Op = h.Backend.CreateConv2d(g);
        public readonly Tensor X = h.Upload(RandomTestData.Uniform((long)g.MaxBatch * g.InputSize, seed));
        public readonly Tensor W = h.Upload(RandomTestData.Uniform(g.WeightSize, seed + 1));
        public readonly Tensor B = h.Upload(RandomTestData.Uniform(g.OutChannels, seed + 2));
        public readonly Tensor Y = h.Stale(g.MaxBatch * g.OutputSize);
        public readonly Tensor Dy = h.Upload(RandomTestData.Uniform((long)g.MaxBatch * g.OutputSize, seed + 3));
        public readonly Tensor Dx = h.Stale(g.MaxBatch * g.InputSize);
        public readonly Tensor Dw = h.Stale(g.WeightSize);
        public readonly Tensor Db = h.Stale(g.OutChannels);

        public void Forward() => Op.Forward(g.MaxBatch, X, W, B, Y);

        public void Backward() => Op.Backward(g.MaxBatch, X, W, Dy, Dx, Dw, Db);

        public float[][] Results() => [h.Read(Y), h.Read(Dx), h.Read(Dw), h.Read(Db)];
    }

    [Theory]
    [InlineData("im2col", "im2col")]
    [InlineData("winograd", "im2col")]
    [InlineData("im2col", "winograd")]
    public void AnotherLayerBetweenForwardAndBackward_ChangesNothing(string outer, string inner)
    {
        Conv2dGeometry first = outer == "winograd" ? Winograd : Large, between = inner == "winograd" ? Winograd with { InChannels = 65 } : Small;
        using var alone = new BackendHarness(CpuKernels.Fast);
        var expected = new Layer(alone, first, 10);
        Assert.Equal(outer == "winograd", ((Cnn.Backends.Cpu.Fast.FastConv2dOperator)expected.Op).UsesWinograd(first.MaxBatch));
        expected.Forward();
        expected.Backward();

        using var shared = new BackendHarness(CpuKernels.Fast);
        var large = new Layer(shared, first, 10);
        var small = new Layer(shared, between, 20);
        large.Forward();
        small.Forward();
        small.Backward();
        large.Backward();

        float[][] want = expected.Results(), got = large.Results();
        for (int i = 0; i < want.Length; i++) Assert.Equal(want[i], got[i]);
    }

    [Fact]
    public void Workspace_IsAsLargeAsTheLargestLayerNeeds_NotTheSum()
    {
        long Bytes(params Conv2dGeometry[] layers)
        {
            using var h = new BackendHarness(CpuKernels.Fast);
            var built = layers.Select((g, i) => new Layer(h, g, (ulong)(30 + 10 * i))).ToArray();
            foreach (Layer layer in built)
            {
                layer.Forward();
                layer.Backward();
            }
            return h.Backend.Workspace.AllocatedBytes;
        }

        long large = Bytes(Large), small = Bytes(Small), both = Bytes(Large, Small, Large);
        Assert.True(small < large, $"the small layer's workspace ({small:N0} bytes) should be smaller than the large one's ({large:N0})");
        Assert.True(both <= large + small / 2, $"three layers hold {both:N0} bytes; the largest alone needs {large:N0}");
        long winograd = Bytes(Winograd), mixed = Bytes(Winograd, Large, Winograd, Small);
        Assert.True(mixed <= Math.Max(winograd, large) + small / 2 + large / 2,
            $"two Winograd layers and two im2col ones hold {mixed:N0} bytes; the Winograd layer alone needs {winograd:N0}, the largest im2col one {large:N0}");
    }
}

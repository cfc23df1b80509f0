using Cnn.Generators.Diagnostics;
using Cnn.Generators.Helpers;
using Cnn.Generators.Layers;
using Cnn.Generators.Model;
using Cnn.Generators.Shapes;

namespace Cnn.Generators.Tests;

/// <summary>Shape inference on plain specs, without Roslyn.</summary>
public class ShapeInferenceTests
{
    private static NetworkSpec Spec(InputSpec? input, params LayerSpec[] layers)
        => new(null, "Net", "public", input, layers.ToEquatableArray(), null);

    private static InputSpec Image(int c, int h, int w) => new(c, h, w, false, null);

    private static Conv2dSpec Conv(string name, int outChannels, int kernel, int stride = 1, int padding = 0,
        PaddingModeSpec mode = PaddingModeSpec.Explicit, int dilation = 1, int groups = 1, bool bias = true)
        => new(name, null, S(outChannels), S(kernel), S(kernel), S(stride), S(stride), S(padding), S(padding), mode, S(dilation), S(dilation), S(groups), bias, S(0));

    /// <summary>A convolution with PyTorch's (height, width) pairs.</summary>
    private static Conv2dSpec Conv(string name, int outChannels, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding,
        PaddingModeSpec mode = PaddingModeSpec.Explicit, (int H, int W)? dilation = null)
        => new(name, null, S(outChannels), S(kernel.H), S(kernel.W), S(stride.H), S(stride.W), S(padding.H), S(padding.W), mode,
            S(dilation?.H ?? 1), S(dilation?.W ?? 1), S(1), true, S(0));

    private static SizeArg S(int value) => SizeArg.Of(value);

    private static Pool2dSpec Pool(string name, PoolKindSpec kind, int kernel, int stride = 0, int padding = 0, bool ceil = false)
        => new(name, null, kind, S(kernel), S(kernel), S(stride), S(stride), S(padding), S(padding), ceil, true);

    /// <summary>A pool with PyTorch's (height, width) pairs.</summary>
    private static Pool2dSpec Pool(string name, PoolKindSpec kind, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding,
        bool ceil = false, bool countIncludePad = true)
        => new(name, null, kind, S(kernel.H), S(kernel.W), S(stride.H), S(stride.W), S(padding.H), S(padding.W), ceil, countIncludePad);

    private static ActivationSpec Act(string name, ActivationKindSpec kind) => new(name, null, kind, 0.01);

    private static LinearSpec Dense(string name, int outFeatures, bool bias = true) => new(name, null, S(outFeatures), S(0), bias);

    private static ShapedNetwork Infer(NetworkSpec spec)
    {
        ShapeResult result = ShapeInference.Infer(spec);
        Assert.Empty(result.Errors);
        return result.Network!;
    }

    [Fact]
    public void MnistTutorialNet_HasPyTorchShapesAndParameterCount()
    {
        ShapedNetwork net = Infer(Spec(Image(1, 28, 28),
            Conv("conv1", 32, 3, padding: 1), Pool("pool1", PoolKindSpec.Max, 2, 0, 0), Act("relu1", ActivationKindSpec.ReLU),
            Conv("conv2", 64, 3, padding: 1), Pool("pool2", PoolKindSpec.Max, 2, 0, 0), Act("relu2", ActivationKindSpec.ReLU),
            new FlattenSpec("flatten", null), Dense("fc1", 128, true), Act("relu3", ActivationKindSpec.ReLU),
            Dense("fc2", 10, true)));

        Assert.Equal(Shape.Image(32, 28, 28), net.Layers[0].OutputShape);
        Assert.Equal(Shape.Image(64, 7, 7), net.Layers[5].OutputShape);
        Assert.Equal(Shape.Flat(3136), net.Layers[6].OutputShape);
        Assert.Equal(421_642, net.ParameterCount);
        Assert.Equal(new[] { "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias" },
            net.Layers.SelectMany(l => l.Parameters).Select(p => p.Name));
        Assert.Equal(new[] { 128, 3136 }, net.Layers[7].Parameters[0].Dimensions);
    }

    [Theory]
    // PyTorch: floor((H + 2p - d(k-1) - 1) / s) + 1
    [InlineData(28, 3, 1, 0, 1, 26)]
    [InlineData(28, 3, 1, 1, 1, 28)]
    [InlineData(28, 5, 2, 2, 1, 14)]
    [InlineData(32, 3, 2, 1, 1, 16)]
    [InlineData(31, 3, 2, 0, 1, 15)]
    [InlineData(32, 3, 1, 2, 2, 32)]
    [InlineData(7, 7, 1, 0, 1, 1)]
    public void Conv2dOutputSize_FollowsPyTorchFormula(int size, int kernel, int stride, int padding, int dilation, int expected)
    {
        ShapedNetwork net = Infer(Spec(Image(2, size, size), Conv("conv", 4, kernel, stride, padding, dilation: dilation)));
        Assert.Equal(Shape.Image(4, expected, expected), net.Layers[0].OutputShape);
    }

    [Fact]
    public void SamePadding_KeepsSpatialSize_AndValidUsesNone()
    {
        ShapedNetwork net = Infer(Spec(Image(3, 17, 13),
            Conv("same", 8, 5, mode: PaddingModeSpec.Same, dilation: 2),
            Conv("valid", 8, 3, padding: 5, mode: PaddingModeSpec.Valid)));
        Assert.Equal(Shape.Image(8, 17, 13), net.Layers[0].OutputShape);
        Assert.Equal(4, ((Conv2dResolved)net.Layers[0].Resolved).PaddingHeight);
        Assert.Equal(Shape.Image(8, 15, 11), net.Layers[1].OutputShape);
        Assert.Equal(0, ((Conv2dResolved)net.Layers[1].Resolved).PaddingHeight);
    }

    [Fact]
    public void GroupedConvolution_HasWeightPerGroup()
    {
        ShapedNetwork net = Infer(Spec(Image(8, 5, 5), Conv("dw", 8, 3, groups: 8, bias: false)));
        ParameterModel weight = Assert.Single(net.Layers[0].Parameters);
        Assert.Equal(new[] { 8, 1, 3, 3 }, weight.Dimensions);
        Assert.Equal(9, weight.FanIn);
    }

    [Fact]
    public void Pooling_DefaultsStrideToKernel_AndFloorsLikePyTorch()
    {
        ShapedNetwork net = Infer(Spec(Image(4, 13, 13),
            Pool("pool", PoolKindSpec.Max, 3, 0, 0),
            Pool("avg", PoolKindSpec.Average, 3, 2, 1)));
        Assert.Equal(Shape.Image(4, 4, 4), net.Layers[0].OutputShape);
        Assert.Equal(3, ((Pool2dResolved)net.Layers[0].Resolved).StrideHeight);
        Assert.Equal(Shape.Image(4, 2, 2), net.Layers[1].OutputShape);
    }

    [Fact]
    public void Flatten_AliasesItsInput_SoNoMemoryOrCopy()
    {
        ShapedNetwork net = Infer(Spec(Image(2, 3, 3), Conv("conv", 4, 1), new FlattenSpec("flatten", null), Dense("fc", 5, true)));
        TensorSlot conv = net.Tensors[net.Layers[0].Output], flat = net.Tensors[net.Layers[1].Output];
        Assert.Equal(conv.Storage, flat.Storage);
        Assert.True(flat.HasGradient);
        Assert.Equal(Shape.Flat(36), flat.Shape);
    }

    [Fact]
    public void Tensors_HaveTheirOwnStorage_ButViews_AndOnlyDropoutKeepsAMask()
    {
        ShapedNetwork net = Infer(Spec(Image(1, 6, 6), Conv("conv", 2, 3), Act("relu", ActivationKindSpec.ReLU),
            new FlattenSpec("flatten", null), new DropoutSpec("drop", null, 0.5), Dense("fc", 3, true)));
        int flatten = net.Layers[2].Output;
        for (int t = 0; t < net.Tensors.Count; t++)
        {
            Assert.Equal(t == flatten ? net.Layers[2].Input : t, net.Tensors[t].Storage);
            Assert.Equal(t != 0, net.Tensors[t].HasGradient);
        }
        Assert.Equal(new[] { "drop" }, net.Layers.Where(l => l.HasMask).Select(l => l.Path));
    }

    [Fact]
    public void ParameterOffsets_FollowDeclarationOrderEach64ByteAligned()
    {
        ShapedNetwork net = Infer(Spec(new InputSpec(10, 0, 0, true, null), Dense("a", 7, true), Dense("b", 3, false)));
        ParameterModel[] parameters = net.Layers.SelectMany(l => l.Parameters).ToArray();
        long expected = 0;
        foreach (ParameterModel p in parameters)
        {
            Assert.Equal((expected + 15) / 16 * 16, p.Offset);
            expected = p.Offset + p.Length;
        }
        Assert.Equal(new long[] { 0, 80, 96 }, parameters.Select(p => p.Offset));
        Assert.Equal(10 * 7 + 7 + 7 * 3, net.ParameterCount);
        Assert.Equal(128, net.ParameterLength);
    }

    [Fact]
    public void MissingInputAndNoLayers_AreBothReported()
    {
        ShapeResult result = ShapeInference.Infer(Spec(null));
        Assert.Null(result.Network);
        Assert.Equal(new[] { DiagnosticIds.NoLayers, DiagnosticIds.MissingInput }, result.Errors.Select(e => e.Id));
    }

    [Fact]
    public void NonSquareWindows_FollowPyTorchPerAxis()
    {
        // PyTorch 1.13 on (1, 3, 17, 13): Conv2d(3, 8, (1, 7), padding=(0, 3)) → 17×13; Conv2d(8, 8, (3, 2), stride=(2, 1),
        // padding=(1, 0), dilation=(1, 2)) → 9×11; AvgPool2d((3, 2), (2, 1), (1, 0), ceil_mode=True) → 5×10; MaxPool2d((1, 3), (1, 2), (0, 1)) → 5×5.
        ShapedNetwork net = Infer(Spec(Image(3, 17, 13),
            Conv("inception", 8, (1, 7), (1, 1), (0, 3)),
            Conv("mixed", 8, (3, 2), (2, 1), (1, 0), dilation: (1, 2)),
            Pool("avg", PoolKindSpec.Average, (3, 2), (2, 1), (1, 0), ceil: true, countIncludePad: false),
            Pool("max", PoolKindSpec.Max, (1, 3), (1, 2), (0, 1))));
        Assert.Equal(Shape.Image(8, 17, 13), net.Layers[0].OutputShape);
        Assert.Equal(new[] { 8, 3, 1, 7 }, net.Layers[0].Parameters[0].Dimensions);
        Assert.Equal(21, net.Layers[0].Parameters[0].FanIn);
        Assert.Equal(Shape.Image(8, 9, 11), net.Layers[1].OutputShape);
        Assert.Equal(new Conv2dResolved(8, 17, 13, 8, 9, 11, 3, 2, 2, 1, 1, 0, 1, 2, 1, true), net.Layers[1].Resolved);
        Assert.Equal(Shape.Image(8, 5, 10), net.Layers[2].OutputShape);
        Assert.False(((Pool2dResolved)net.Layers[2].Resolved).CountIncludePad);
        Assert.Equal(Shape.Image(8, 5, 5), net.Layers[3].OutputShape);
        Assert.Equal(new Pool2dResolved(PoolKindSpec.Max, 8, 5, 10, 5, 5, 1, 3, 1, 2, 0, 1), net.Layers[3].Resolved);
    }

    [Fact]
    public void SamePadding_WithANonSquareOddKernel_PadsEachAxisByHalfItsKernel()
    {
        // PyTorch: Conv2d(3, 8, (1, 7), padding='same') keeps 17×13.
        ShapedNetwork net = Infer(Spec(Image(3, 17, 13), Conv("same", 8, (1, 7), (1, 1), (0, 0), PaddingModeSpec.Same)));
        var conv = (Conv2dResolved)net.Layers[0].Resolved;
        Assert.Equal(Shape.Image(8, 17, 13), net.Layers[0].OutputShape);
        Assert.Equal((0, 3), (conv.PaddingHeight, conv.PaddingWidth));
    }

    [Fact]
    public void SamePadding_WithAnEvenKernelWidth_IsReported()
    {
        ShapeResult result = ShapeInference.Infer(Spec(Image(3, 17, 13), Conv("same", 8, (3, 2), (1, 1), (0, 0), PaddingModeSpec.Same)));
        DiagnosticInfo error = Assert.Single(result.Errors);
        Assert.Equal(DiagnosticIds.InvalidSamePadding, error.Id);
        Assert.Equal("an even effective kernel of 3×2", error.Arguments[1]);
    }

    [Fact]
    public void ErrorWithADeclaredOutput_LetsInferenceReportTheNextMistakeToo()
    {
        // conv1's InChannels check fails, but its output (8 channels) is certain; the Linear after it then has the wrong InFeatures.
        var conv = new Conv2dSpec("conv1", null, S(8), S(3), S(3), S(1), S(1), S(1), S(1), PaddingModeSpec.Explicit, S(1), S(1), S(1), true, S(5));
        ShapeResult result = ShapeInference.Infer(Spec(Image(3, 4, 4), conv, new FlattenSpec("flatten", null),
            new LinearSpec("fc", null, S(10), S(100), true), Act("relu", ActivationKindSpec.ReLU), Dense("fc2", 2)));
        Assert.Null(result.Network);
        Assert.Equal(new[] { DiagnosticIds.ChannelMismatch, DiagnosticIds.LinearInFeaturesMismatch }, result.Errors.Select(e => e.Id));
        Assert.Equal("128", result.Errors[1].Arguments[3]); // 8 × 4 × 4 features: conv1's declared output
    }

    [Fact]
    public void ErrorWithoutAKnownOutput_StopsInference()
    {
        ShapeResult result = ShapeInference.Infer(Spec(Image(1, 2, 2), Conv("big", 4, 5), Conv("later", 4, 9)));
        DiagnosticInfo error = Assert.Single(result.Errors);
        Assert.Equal(DiagnosticIds.KernelLargerThanInput, error.Id);
        Assert.Equal("big", error.Arguments[1]);
    }

    [Theory]
    // PyTorch 1.13: nn.MaxPool2d(k, s, p, ceil_mode=True) on an n×n input.
    [InlineData(2, 3, 2, 0, 1)]
    [InlineData(1, 2, 2, 0, 1)]
    [InlineData(5, 3, 2, 0, 2)]
    [InlineData(6, 3, 2, 1, 4)]
    [InlineData(4, 3, 3, 1, 2)]
    public void CeilModePooling_AcceptsAWindowOverhangingASmallInput_LikePyTorch(int size, int kernel, int stride, int padding, int expected)
    {
        ShapedNetwork net = Infer(Spec(Image(2, size, size), Pool("pool", PoolKindSpec.Max, kernel, stride, padding, ceil: true)));
        Assert.Equal(Shape.Image(2, expected, expected), net.Layers[0].OutputShape);
    }

    [Fact]
    public void FloorModePooling_StillRejectsAWindowLargerThanTheInput()
    {
        ShapeResult result = ShapeInference.Infer(Spec(Image(2, 2, 2), Pool("pool", PoolKindSpec.Max, 3, 2, 0, ceil: false)));
        Assert.Equal(DiagnosticIds.SpatialCollapse, Assert.Single(result.Errors).Id);
    }

    [Fact]
    public void DeclaredShortcut_RunsEvenWhenTheMainPathKeepsTheShape_LikePyTorch()
    {
        LayerSpec[] main = { Conv("conv", 3, 3, padding: 1) };
        LayerSpec[] shortcut = { Conv("0", 3, 1, bias: false) };
        ShapedNetwork always = Infer(Spec(Image(3, 5, 5), new ResidualSpec("res", null, main.ToEquatableArray(), "downsample", shortcut.ToEquatableArray())));
        ShapedNetwork onlyWhenNeeded = Infer(Spec(Image(3, 5, 5), new ResidualSpec("res", null, main.ToEquatableArray(), "downsample", shortcut.ToEquatableArray(), OnlyWhenShapeChanges: true)));

        // conv: 3·3·3·3 + 3 = 84; downsample.0: 3·3·1·1 = 9, as torch.nn counts a module that holds both.
        Assert.Equal(84 + 9, always.ParameterCount);
        Assert.Contains(always.Layers, l => l.Path == "downsample.0");
        Assert.Equal(84, onlyWhenNeeded.ParameterCount);
    }
}

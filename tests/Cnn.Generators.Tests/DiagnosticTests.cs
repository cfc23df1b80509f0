using Cnn.Generators.Tests.TestSupport;
using Microsoft.CodeAnalysis;

namespace Cnn.Generators.Tests;

/// <summary>Each descriptor: a broken network reports it, as an error, at the offending attribute, with a message that says what to change.</summary>
public class DiagnosticTests
{
    private static string Network(string attributes, string declaration = "public partial class Net { }")
        => "using Cnn;\nnamespace Tests;\n[Network]\n" + attributes + "\n" + declaration + "\n";

    /// <summary>Asserts exactly one generator diagnostic, with this id, on the line containing <paramref name="lineMarker"/>.</summary>
    private static Diagnostic AssertError(string source, string id, string lineMarker, params string[] messageParts)
    {
        GeneratorOutput output = GeneratorHarness.Run(source);
        Diagnostic diagnostic = Assert.Single(output.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);

        string[] lines = source.Split('\n');
        int expectedLine = Array.FindIndex(lines, l => l.Contains(lineMarker, StringComparison.Ordinal));
        Assert.True(expectedLine >= 0, $"marker '{lineMarker}' not in source");
        FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
        Assert.Equal(expectedLine, span.StartLinePosition.Line);
        Assert.Equal(lines[expectedLine].IndexOf(lineMarker, StringComparison.Ordinal), span.StartLinePosition.Character);

        string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        foreach (string part in messageParts) Assert.Contains(part, message, StringComparison.Ordinal);
        // Only the CNN error: the class gets members whose bodies throw (or, when it cannot be extended, nothing).
        Assert.All(output.GeneratedSources, g => Assert.Contains("has build errors", g));
        Assert.Empty(output.CompileErrors);
        return diagnostic;
    }

    [Fact]
    public void ClassNotPartial_ReportsCnn0001AtClassName()
        => AssertError(Network("[Input(1, 8, 8)]\n[Flatten]", "public class Net { }"), "CNN0001", "Net {", "partial class Net");

    [Fact]
    public void MissingInput_ReportsCnn0002()
        => AssertError(Network("[Flatten]\n[Linear(\"fc\", 10)]"), "CNN0002", "Net {", "[Input(channels, height, width)]");

    [Fact]
    public void NoLayers_ReportsCnn0003()
        => AssertError(Network("[Input(1, 8, 8)]"), "CNN0003", "Net {", "declares no layers");

    [Fact]
    public void ChannelMismatch_ReportsCnn0004AtSecondConvolution()
        => AssertError(Network("[Input(1, 8, 8)]\n[Conv2d(\"conv1\", 64, 3)]\n[Conv2d(\"conv2\", 16, 3, InChannels = 32)]"),
            "CNN0004", "Conv2d(\"conv2\"", "expects 32 input channels but 'conv1' produces 64", "set InChannels = 64, or give 'conv1' 32 output channels");

    [Theory]
    [InlineData("[Conv2d(\"conv1\", 0, 3)]", "outChannels = 0")]
    [InlineData("[Conv2d(\"conv1\", 8, -1)]", "kernelSize = -1")]
    [InlineData("[Conv2d(\"conv1\", 8, 3, Stride = 0)]", "Stride = 0")]
    [InlineData("[Conv2d(\"conv1\", 8, 3, Padding = -2)]", "Padding = -2")]
    [InlineData("[MaxPool2d(0)]", "kernelSize = 0")]
    public void NonPositiveSize_ReportsCnn0005(string layer, string expected)
        => AssertError(Network("[Input(1, 8, 8)]\n" + layer), "CNN0005", layer.TrimStart('[').Substring(0, 5), expected);

    [Fact]
    public void NonPositiveInput_ReportsCnn0005AtInput()
        => AssertError(Network("[Input(1, 0, 8)]\n[Flatten]"), "CNN0005", "Input(1, 0, 8)", "(1, 0, 8)");

    [Fact]
    public void KernelLargerThanPaddedInput_ReportsCnn0006()
        => AssertError(Network("[Input(1, 4, 4)]\n[Conv2d(\"conv1\", 8, 7, Padding = 1)]"),
            "CNN0006", "Conv2d(\"conv1\"", "effective kernel of 7×7", "only 6×6 after padding 1");

    [Fact]
    public void PoolingCollapsesSpatialSize_ReportsCnn0007()
        => AssertError(Network("[Input(1, 4, 4)]\n[MaxPool2d(2)]\n[MaxPool2d(2)]\n[MaxPool2d(\"pool3\", 2)]"),
            "CNN0007", "MaxPool2d(\"pool3\"", "reduce its 1×1 input to nothing");

    [Fact]
    public void LinearInFeaturesMismatch_ReportsCnn0008()
        => AssertError(Network("[Input(1, 8, 8)]\n[Flatten]\n[Linear(\"fc1\", 10, InFeatures = 100)]"),
            "CNN0008", "Linear(\"fc1\"", "InFeatures = 100", "produces 64 features", "set InFeatures = 64");

    [Fact]
    public void LinearOnImageWithoutFlatten_ReportsCnn0009()
        => AssertError(Network("[Input(3, 8, 8)]\n[Conv2d(\"conv1\", 4, 3)]\n[Linear(\"fc1\", 10)]"),
            "CNN0009", "Linear(\"fc1\"", "(N, 4, 6, 6)", "add [Flatten] before it to get 144 features");

    [Fact]
    public void DuplicateLayerName_ReportsCnn0010()
        => AssertError(Network("[Input(1, 8, 8)]\n[Conv2d(\"conv\", 4, 3)]\n[Conv2d(\"conv\", 8, 3)]"), "CNN0010", "Conv2d(\"conv\", 8", "'conv' is used twice");

    [Fact]
    public void ConvolutionAfterFlatten_ReportsCnn0011()
        => AssertError(Network("[Input(1, 8, 8)]\n[Flatten]\n[Conv2d(\"conv1\", 4, 3)]"), "CNN0011", "Conv2d(\"conv1\"", "move it before [Flatten]");

    [Fact]
    public void InvalidLayerName_ReportsCnn0012()
        => AssertError(Network("[Input(1, 8, 8)]\n[Conv2d(\"conv 1\", 4, 3)]"), "CNN0012", "Conv2d(\"conv 1\"", "'conv 1' is not valid");

    [Fact]
    public void SamePaddingWithStride_ReportsCnn0013()
        => AssertError(Network("[Input(1, 8, 8)]\n[Conv2d(\"conv1\", 4, 3, Stride = 2, PaddingMode = PaddingMode.Same)]"), "CNN0013", "Conv2d(\"conv1\"", "Stride = 2");

    [Fact]
    public void GroupsNotDividingChannels_ReportsCnn0014()
        => AssertError(Network("[Input(3, 8, 8)]\n[Conv2d(\"conv1\", 4, 3, Groups = 2)]"), "CNN0014", "Conv2d(\"conv1\"", "input channels = 3");

    [Fact]
    public void DropoutProbabilityOne_ReportsCnn0015()
        => AssertError(Network("[Input(4)]\n[Dropout(\"drop\", 1.0)]"), "CNN0015", "Dropout(\"drop\"", "less than 1");

    [Fact]
    public void SoftmaxOnImage_ReportsCnn0016()
        => AssertError(Network("[Input(3, 8, 8)]\n[Softmax]"), "CNN0016", "Softmax]", "add [Flatten]");

    [Fact]
    public void PoolPaddingLargerThanHalfKernel_ReportsCnn0017()
        => AssertError(Network("[Input(3, 8, 8)]\n[MaxPool2d(\"pool\", 2, Padding = 2)]"), "CNN0017", "MaxPool2d(\"pool\"", "at most half the kernel (1)");

    [Fact]
    public void NestedClass_ReportsCnn0018()
        => AssertError("using Cnn;\nnamespace Tests;\npublic partial class Outer\n{\n[Network]\n[Input(4)]\n[Linear(\"fc\", 2)]\npublic partial class Net { }\n}\n",
            "CNN0018", "Net {", "nested in 'Outer'");

    [Fact]
    public void TwoInputs_ReportsCnn0019()
        => AssertError(Network("[Input(4)]\n[Input(5)]\n[Linear(\"fc\", 2)]"), "CNN0019", "Input(5)", "more than once");

    private const string Blocks = """
        [Block("planes", "stride = 1")]
        [Residual]
        [Conv2d("conv1", "planes", 3, StrideExpression = "stride", Padding = 1, Bias = false)]
        [BatchNorm2d("bn1")]
        [ReLU]
        [Conv2d("conv2", "planes", 3, Padding = 1, Bias = false)]
        [BatchNorm2d("bn2")]
        [Shortcut("downsample", OnlyWhenShapeChanges = true)]
        [Conv2d("0", "planes", 1, StrideExpression = "stride", Bias = false)]
        [BatchNorm2d("1")]
        [EndResidual]
        [ReLU]
        public sealed class BasicBlock { }

        [Block("planes")]
        [Residual]
        [Conv2d("conv1", "planes", 3, Padding = 1)]
        [EndResidual]
        public sealed class NoShortcutBlock { }

        [Block("a", "b")]
        [Concat]
        [Branch("left")]
        [Conv2d("conv", "a", 1)]
        [Branch("right")]
        [Conv2d("conv", "b", 3)]
        [EndConcat]
        public sealed class UnevenConcat { }

        [Block("n")]
        [Use<Loop>("again", "n")]
        public sealed class Loop { }

        public sealed class NotABlock { }

        [Block("planes x")]
        [ReLU]
        public sealed class BadParameter { }
        """;

    [Fact]
    public void UnknownParameterInSizeExpression_ReportsCnn0020AtTheUse()
        => AssertError(Network("[Input(3, 8, 8)]\n[Use<BasicBlock>(\"layer1\", \"width\")]") + Blocks, "CNN0020", "Use<BasicBlock>", "'width' is not defined here");

    [Fact]
    public void ExpressionOutsideABlock_ReportsCnn0020()
        => AssertError(Network("[Input(3, 8, 8)]\n[Conv2d(\"conv1\", \"planes * 2\", 3)]"), "CNN0020", "Conv2d(\"conv1\"", "'planes' is not defined here");

    [Fact]
    public void EndResidualWithoutResidual_ReportsCnn0021()
        => AssertError(Network("[Input(3, 8, 8)]\n[ReLU]\n[EndResidual]"), "CNN0021", "EndResidual]", "no matching [Residual]");

    [Fact]
    public void UnclosedResidual_ReportsCnn0021()
        => AssertError(Network("[Input(3, 8, 8)]\n[Residual]\n[ReLU]"), "CNN0021", "Residual]", "add [EndResidual]");

    [Fact]
    public void ResidualWithoutShortcutChangingShape_ReportsCnn0022AtTheBlockUse()
        => AssertError(Network("[Input(3, 8, 8)]\n[Use<NoShortcutBlock>(\"layer1.0\", 16)]") + Blocks, "CNN0022", "Use<NoShortcutBlock>",
            "Residual in 'layer1.0'", "(N, 16, 8, 8)", "identity shortcut gives (N, 3, 8, 8)", "[Shortcut(\"downsample\")]");

    [Fact]
    public void ShortcutThatDoesNotMatchTheMainPath_ReportsCnn0022()
        => AssertError(Network("""
            [Input(3, 8, 8)]
            [Residual("res")]
            [Conv2d("conv", 8, 3, Stride = 2, Padding = 1)]
            [Shortcut("downsample")]
            [Conv2d("proj", 8, 1)]
            [EndResidual]
            """), "CNN0022", "Residual(\"res\")", "the shortcut 'downsample' gives (N, 8, 8, 8)");

    [Fact]
    public void ConcatOfDifferentSpatialSizes_ReportsCnn0023()
        => AssertError(Network("[Input(3, 8, 8)]\n[Use<UnevenConcat>(\"mixed\", 4, 4)]") + Blocks, "CNN0023", "Use<UnevenConcat>",
            "Concat in 'mixed'", "branch 'right' gives 6×6", "branch 'left' gives 8×8");

    [Fact]
    public void TooFewBlockArguments_ReportsCnn0024()
        => AssertError(Network("[Input(3, 8, 8)]\n[Use<BasicBlock>(\"layer1\")]") + Blocks, "CNN0024", "Use<BasicBlock>", "takes (planes, stride = 1) but was given 0");

    [Fact]
    public void RecursiveBlock_ReportsCnn0025()
        => AssertError(Network("[Input(3, 8, 8)]\n[Use<Loop>(\"loop\", 1)]") + Blocks, "CNN0025", "Use<Loop>", "Loop → Loop");

    [Fact]
    public void UsingAClassWithoutBlock_ReportsCnn0026()
        => AssertError(Network("[Input(3, 8, 8)]\n[Use<NotABlock>(\"x\")]") + Blocks, "CNN0026", "Use<NotABlock>", "has no [Block] attribute");

    [Fact]
    public void BatchNorm2dOnFlatTensor_ReportsCnn0027()
        => AssertError(Network("[Input(3, 8, 8)]\n[Flatten]\n[BatchNorm2d(\"bn\")]"), "CNN0027", "BatchNorm2d(\"bn\")", "use [BatchNorm1d] here");

    [Fact]
    public void MalformedBlockParameter_ReportsCnn0028()
        => AssertError(Network("[Input(3, 8, 8)]\n[Use<BadParameter>(\"x\", 1)]") + Blocks, "CNN0028", "Use<BadParameter>", "\"planes x\"");

    [Fact]
    public void BlockParameterThatMakesAShapeInvalid_NamesTheInstanceAtTheUse()
        => AssertError(Network("[Input(3, 8, 8)]\n[Use<BasicBlock>(\"layer1.0\", 16)]\n[Use<BasicBlock>(\"layer2.0\", 16, 0)]") + Blocks, "CNN0005",
            "Use<BasicBlock>(\"layer2.0\"", "Conv2d 'layer2.0.conv1' has Stride = 0 (\"stride\")");

    [Fact]
    public void NonSquareKernelLargerThanPaddedInput_ReportsCnn0006WithBothAxes()
        => AssertError(Network("[Input(1, 4, 4)]\n[Conv2d(\"conv1\", 8, 1, KernelWidth = 7, PaddingHeight = 1)]"),
            "CNN0006", "Conv2d(\"conv1\"", "effective kernel of 1×7", "only 6×4 after padding (1, 0)");

    [Fact]
    public void PoolPaddingWidthLargerThanHalfTheKernel_ReportsCnn0017NamingPaddingWidth()
        => AssertError(Network("[Input(3, 8, 8)]\n[MaxPool2d(\"pool\", 3, KernelWidth = 2, PaddingWidth = 2)]"), "CNN0017", "MaxPool2d(\"pool\"",
            "has PaddingWidth = 2 but a kernel of 3×2", "at most half the kernel (1)");

    [Fact]
    public void SizeAndItsExpressionBothSet_ReportsCnn0020()
        => AssertError(Network("[Input(3, 8, 8)]\n[Use<Both>(\"b\", 2)]") + "[Block(\"s\")]\n[Conv2d(\"conv\", 4, 3, Stride = 2, StrideExpression = \"s\")]\npublic sealed class Both { }\n",
            "CNN0020", "Use<Both>", "both Stride and StrideExpression are set");

    [Theory]
    [InlineData("[Conv2d(\"conv1\", 16.5, 3)]", "CS1503")]           // no overload takes a double
    [InlineData("[Conv2d(\"conv1\", 16, 3, Stride = 2.5)]", "CS0266")] // a double is not an int
    [InlineData("[Linear(\"fc\", 10L)]", "CS1503")]
    [InlineData("[MaxPool2d(2, Padding = 0.5)]", "CS0266")]
    public void NonIntegerSize_IsACompileError_NotAGeneratorDiagnostic(string layer, string compilerError)
    {
        GeneratorOutput output = GeneratorHarness.Run(Network("[Input(3, 8, 8)]\n" + layer + "\n[Flatten]"));
        Assert.Contains(output.CompileErrors, d => d.Id == compilerError);
        Assert.DoesNotContain(output.GeneratorDiagnostics, d => d.Id == "CNN0020");
    }

    [Fact]
    public void TwoIndependentMistakes_AreBothReportedAtTheirAttributes()
    {
        string source = Network("""
            [Input(3, 8, 8)]
            [Conv2d("conv1", 16, 3, InChannels = 1)]
            [ReLU]
            [MaxPool2d(2)]
            [Flatten]
            [Linear("fc1", 10, InFeatures = 100)]
            [ReLU]
            [Linear("fc2", 2)]
            """);
        GeneratorOutput output = GeneratorHarness.Run(source);
        string[] lines = source.Split('\n');
        Assert.Collection(output.GeneratorDiagnostics.OrderBy(d => d.Location.SourceSpan.Start),
            d =>
            {
                Assert.Equal("CNN0004", d.Id);
                Assert.Contains("Conv2d(\"conv1\"", lines[d.Location.GetLineSpan().StartLinePosition.Line]);
            },
            d =>
            {
                Assert.Equal("CNN0008", d.Id);
                Assert.Contains("Linear(\"fc1\"", lines[d.Location.GetLineSpan().StartLinePosition.Line]);
                // conv1's declared 16 channels, pooled to 3×3: the shape inference went on from conv1's declaration.
                Assert.Contains("'flatten1' produces 144 features", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
            });
        Assert.Empty(output.CompileErrors);
    }

    [Theory]
    [InlineData("[Conv2d(\"conv1\", 16, 3, InChannels = 1)]", "CNN0004")]
    [InlineData("[Conv2d(\"conv1\", 16, 4, PaddingMode = PaddingMode.Same)]", "CNN0013")]
    [InlineData("[Conv2d(\"conv1\", 16, 3, Groups = 3, Padding = 1)]", "CNN0014")]
    [InlineData("[Conv2d(\"conv 1\", 16, 3)]", "CNN0012")]
    [InlineData("[MaxPool2d(\"pool\", 2, Padding = 2)]\n[Conv2d(\"conv1\", 16, 3)]", "CNN0017")]
    [InlineData("[Conv2d(\"conv1\", 16, 3)]\n[Softmax]", "CNN0016")]
    [InlineData("[Conv2d(\"conv1\", 16, 3)]\n[BatchNorm1d(\"bn\")]", "CNN0027")]
    [InlineData("[Conv2d(\"conv1\", 16, 3)]\n[Dropout(\"drop\", 1.0)]", "CNN0015")]
    [InlineData("[Conv2d(\"conv1\", 16, 9)]\n[Conv2d(\"conv2\", 16, 9)]", "CNN0006")]
    public void OneMistake_GivesExactlyOneError_ThoughInferenceGoesOn(string layers, string id)
    {
        // Every later layer is valid for the shape that the mistaken layer declares, so nothing else may be reported.
        GeneratorOutput output = GeneratorHarness.Run(Network("[Input(3, 8, 8)]\n" + layers + "\n[Conv2d(\"later\", 8, 3, Padding = 1)]\n[AvgPool2d(2)]\n[Flatten]\n[Linear(\"fc\", 10)]"));
        Assert.Equal(id, Assert.Single(output.GeneratorDiagnostics).Id);
    }

    [Fact]
    public void EveryDescriptor_HasATest()
    {
        var tested = typeof(DiagnosticTests).GetMethods()
            .Where(m => m.Name.Contains("_Reports", StringComparison.Ordinal))
            .Select(m => "CNN" + m.Name.Split("_ReportsCnn")[1].Substring(0, 4))
            .ToHashSet();
        foreach (string id in Diagnostics.DiagnosticDescriptors.ById.Keys)
        {
            Assert.Contains(id, tested);
        }
    }

    [Fact]
    public void ValidNetworks_ProduceNoDiagnostics()
    {
        string source = Network("""
            [Input(3, 32, 32)]
            [Conv2d("conv1", 16, 3, PaddingMode = PaddingMode.Same)]
            [ReLU]
            [Conv2d("conv2", 16, 3, Stride = 2, Padding = 2, Dilation = 2, Groups = 4)]
            [Sigmoid]
            [AvgPool2d(3, Stride = 2, Padding = 1)]
            [Conv2d("conv3", 8, 1, PaddingMode = PaddingMode.Valid, Bias = false)]
            [Tanh]
            [Flatten]
            [Dropout(0.25)]
            [Linear("fc", 10, InFeatures = 512)]
            [Softmax]
            """);
        GeneratorOutput output = GeneratorHarness.Run(source);
        Assert.Empty(output.GeneratorDiagnostics);
        Assert.Empty(output.CompileErrors);
        Assert.Single(output.GeneratedSources);
    }

    [Fact]
    public void InvalidNetwork_GivesOnlyItsCnnErrors_NotFollowOnErrorsInCodeThatUsesIt()
    {
        string source = Network("[Input(1, 8, 8)]\n[Conv2d(\"conv1\", 4, 3)]\n[Linear(\"fc\", 10)]") + """
            public static class Use
            {
                public static string Run()
                {
                    using var net = new Tests.Net(maxBatchSize: 4, backend: null, seed: 1);
                    net.Forward(1);
                    net.Backward(1);
                    Cnn.INetwork asInterface = net;
                    return Tests.Net.Summary + Tests.Net.ParameterCount + Tests.Net.InputSize + net.Output.Length + asInterface.OutputSize;
                }
            }
            """;
        GeneratorOutput output = GeneratorHarness.Run(source);

        Assert.Equal("CNN0009", Assert.Single(output.GeneratorDiagnostics).Id);
        Assert.Empty(output.CompileErrors); // no CS1674, CS1739, CS0117 or CS1061
        Assert.Contains("has build errors", Assert.Single(output.GeneratedSources));
    }

    [Fact]
    public void UnnamedLayersInUnnamedBranches_DoNotCollide()
    {
        string source = Network("[Input(3, 8, 8)]\n[Concat]\n[Branch]\n[Conv2d(\"a\", 4, 1)]\n[ReLU]\n[Branch]\n[Conv2d(\"b\", 4, 1)]\n[ReLU]\n[EndConcat]\n[Flatten]\n[Linear(\"fc\", 2)]");
        GeneratorOutput output = GeneratorHarness.Run(source);

        Assert.Empty(output.GeneratorDiagnostics);
        Assert.Empty(output.CompileErrors);
        string generated = Assert.Single(output.GeneratedSources);
        Assert.Contains("\"relu1\"", generated);
        Assert.Contains("\"relu2\"", generated);
    }

    [Fact]
    public void DuplicateName_MessageDoesNotTalkOfWeights()
    {
        Diagnostic d = AssertError(Network("[Input(4)]\n[Linear(\"fc\", 4)]\n[ReLU(\"act\")]\n[Tanh(\"act\")]"), "CNN0010", "Tanh(\"act\")", "'act'");
        Assert.DoesNotContain("weight", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void ChannelMismatchAfterConcat_SuggestsChangingTheBranches()
        => AssertError(Network("[Input(3, 8, 8)]\n[Concat]\n[Branch]\n[Conv2d(\"a\", 4, 1)]\n[Branch]\n[Conv2d(\"b\", 4, 1)]\n[EndConcat]\n[Conv2d(\"c\", 8, 3, InChannels = 16)]"),
            "CNN0004", "Conv2d(\"c\"", "produces 8", "make the branches of 'concat1' give 16 channels in total");

    [Fact]
    public void ChannelMismatchAfterResidual_NamesTheMainPathNotTheShortcut()
    {
        Diagnostic d = AssertError(Network("[Input(3, 8, 8)]\n[Residual]\n[Conv2d(\"a\", 4, 3, Padding = 1)]\n[Shortcut(\"down\")]\n[Conv2d(\"0\", 4, 1)]\n[EndResidual]\n[Conv2d(\"c\", 8, 3, InChannels = 16)]"),
            "CNN0004", "Conv2d(\"c\"", "give 'a' 16 output channels");
        Assert.DoesNotContain("down", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void ResidualMismatchInsideAnUnnamedConcatBranch_SaysWhichBranch()
        => AssertError(Network("[Input(3, 8, 8)]\n[Concat]\n[Branch]\n[Conv2d(\"x\", 4, 1)]\n[Branch]\n[Residual]\n[Conv2d(\"y\", 5, 1)]\n[EndResidual]\n[EndConcat]"),
            "CNN0022", "Residual]", "branch #2 of 'concat1'");
}

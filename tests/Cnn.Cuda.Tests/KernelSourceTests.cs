using System.Text.RegularExpressions;
using Cnn.Cuda.Kernels;
using Xunit;

namespace Cnn.Cuda.Tests;

/// <summary>What can be checked of the CUDA C without a compiler: every kernel is there, unmangled, and the text is balanced.</summary>
public class KernelSourceTests
{
    [Fact]
    public void EveryKernelTheBackendLooksUp_IsDefinedExternC()
    {
        Assert.False(string.IsNullOrWhiteSpace(KernelSource.Source));
        foreach (string name in KernelSource.KernelNames)
            Assert.Matches(new Regex($@"extern ""C"" __global__ void {name}\("), KernelSource.Source);
        Assert.Equal(KernelSource.KernelNames.Length, KernelSource.KernelNames.Distinct().Count());
    }

    [Fact]
    public void EveryDefinedKernel_IsLookedUp()
    {
        string[] defined = Regex.Matches(KernelSource.Source, @"extern ""C"" __global__ void (\w+)\(").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(defined.Order(), KernelSource.KernelNames.Order());
    }

    [Fact]
    public void Braces_AndParentheses_Balance()
    {
        string code = Regex.Replace(KernelSource.Source, @"/\*.*?\*/", "", RegexOptions.Singleline);
        Assert.Equal(code.Count(c => c == '{'), code.Count(c => c == '}'));
        Assert.Equal(code.Count(c => c == '('), code.Count(c => c == ')'));
        Assert.Equal(code.Count(c => c == '['), code.Count(c => c == ']'));
    }

    [Fact]
    public void Source_NeedsNoHeaders()
    {
        Assert.DoesNotContain("#include", KernelSource.Source);
    }

    [Fact]
    public void Target_IsTheDevicesOwnCubinWhenNvrtcKnowsIt_ElsePtxForTheNewestBelow()
    {
        int[] supported = [75, 80, 86, 89, 90];
        Assert.Equal(("sm_90", true), KernelCompiler.ChooseTarget(90, supported));
        Assert.Equal(("compute_90", false), KernelCompiler.ChooseTarget(100, supported));
        Assert.Equal(("compute_80", false), KernelCompiler.ChooseTarget(82, supported));
        Assert.Null(KernelCompiler.ChooseTarget(70, supported));
    }

    [Fact]
    public void Options_TurnOffContraction_SoThatProductsRoundAsInDotNet()
    {
        Assert.Equal(["--gpu-architecture=sm_90", "--fmad=false"], KernelCompiler.Options("sm_90"));
    }
}

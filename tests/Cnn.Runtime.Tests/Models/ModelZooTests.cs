using Cnn.Models;
using Xunit;

namespace Cnn.Runtime.Tests.Models;

/// <summary>Every zoo network's compile-time parameter count against torchvision's (or the tutorial's) figure.</summary>
public class ModelZooTests
{
    [Fact]
    public void ParameterCounts_EqualTorchvisionAndTheTutorials()
    {
        Assert.Equal(61_706, LeNet5.ParameterCount);
        Assert.Equal(61_100_840, AlexNet.ParameterCount);
        Assert.Equal(138_357_544, Vgg16.ParameterCount);
        Assert.Equal(143_667_240, Vgg19.ParameterCount);
        Assert.Equal(11_689_512, ResNet18.ParameterCount);
        Assert.Equal(21_797_672, ResNet34.ParameterCount);
        Assert.Equal(25_557_032, ResNet50.ParameterCount);
        Assert.Equal(6_624_904, GoogLeNet.ParameterCount);
        Assert.Equal(2_997_642, CifarAlexNet.ParameterCount);
        // Keras's figures for the tutorial networks, counted by hand in the comments:
        // conv 896 + 18,496 + 73,856; dense 25,088·512+512, 512·256+256, 256·2+2.
        Assert.Equal(13_070_658, CatsVsDogsNet.ParameterCount);
        // conv 896 + 9,248 + 18,496; dense 33,856·128+128, 128·101+101.
        Assert.Equal(4_375_365, Food101Net.ParameterCount);
    }

    [Fact]
    public void Summaries_ListLayersAndBlocksWithTotals()
    {
        Assert.Contains("layer4.1 (BasicBlock)          (N, 512, 7, 7)       4,720,640", ResNet18.Summary);
        Assert.Contains("Trainable params: 11,689,512", ResNet18.Summary);
        Assert.Contains("inception5b (Inception)", GoogLeNet.Summary);
        Assert.Contains("(N, 1024, 7, 7)", GoogLeNet.Summary);
        Assert.Contains("layer1.0 (Bottleneck)", ResNet50.Summary);
        Assert.Contains("(N, 256, 56, 56)", ResNet50.Summary);
    }

    [Fact]
    public void StateDictNames_MatchTorchvision()
    {
        using var resnet = new ResNet18(1);
        string[] names = resnet.ParameterInfos.Select(p => p.Name).ToArray();
        Assert.Equal("conv1.weight", names[0]);
        Assert.Contains("layer2.0.downsample.0.weight", names);
        Assert.Contains("layer2.0.downsample.1.bias", names);
        Assert.DoesNotContain("layer1.0.downsample.0.weight", names); // identity shortcut, as in torchvision
        Assert.Equal("fc.bias", names[^1]);
        Assert.Equal(62, names.Length);
        string[] buffers = resnet.BufferInfos.Select(b => b.Name).ToArray();
        Assert.Equal(new[] { "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked" }, buffers.Take(3));
        Assert.Equal(60, buffers.Length);
    }
}

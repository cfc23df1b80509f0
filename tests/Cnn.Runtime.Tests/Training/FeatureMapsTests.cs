using Cnn.Data;
using Cnn.Training;
using Xunit;

namespace Cnn.Runtime.Tests.Training;

public class FeatureMapsTests
{
    [Fact]
    public void Capture_ReturnsTheFirstConvolutionsOutput_ComputedHereByHand()
    {
        using var network = new PatternNet(8, seed: 3);
        network.Training = true;
        ImageDataset data = TrainingData.Patterns(4, 9);
        float[] image = data.GetImage(2).ToArray();

        FeatureMaps maps = FeatureMaps.Capture(network, image);

        Assert.Equal(("conv", "Conv2d", new TensorShape(4, 4, 4)), (maps.Layer, maps.Kind, maps.Shape));
        Assert.True(network.Training, "the training mode is restored");
        // conv: 4 filters of 3×3 over one channel, padding 1: weight [4, 1, 3, 3] at 0, then bias [4].
        float[] p = TrainingData.Parameters(network);
        int bias = (int)network.ParameterInfos[1].Offset; // 64-byte aligned, after the 36 weights
        for (int c = 0; c < 4; c++)
        {
            for (int y = 0; y < 4; y++)
            {
                for (int x = 0; x < 4; x++)
                {
                    double sum = p[bias + c];
                    for (int ky = 0; ky < 3; ky++)
                    {
                        for (int kx = 0; kx < 3; kx++)
                        {
                            int iy = y + ky - 1, ix = x + kx - 1;
                            if (iy is >= 0 and < 4 && ix is >= 0 and < 4) sum += p[c * 9 + ky * 3 + kx] * image[iy * 4 + ix];
                        }
                    }
                    Assert.Equal(sum, maps.Values[(c * 4 + y) * 4 + x], 5);
                }
            }
        }
    }

    [Fact]
    public void Capture_ByName_NormalisesTheSample_AndListsTheLayersWhenTheNameIsUnknown()
    {
        using var network = new PatternNet(8, seed: 3);
        float[] image = TrainingData.Patterns(1, 9).GetImage(0).ToArray();
        var normalization = new Normalization([0.5f], [0.25f]);

        FeatureMaps tanh = FeatureMaps.Capture(network, image, "tanh1", normalization);
        FeatureMaps raw = FeatureMaps.Capture(network, image.Select(v => (v - 0.5f) / 0.25f).ToArray(), "tanh1");

        Assert.Equal(raw.Values, tanh.Values);
        Assert.All(tanh.Values, v => Assert.InRange(v, -1, 1));
        var error = Assert.Throws<ArgumentException>(() => FeatureMaps.Capture(network, image, "conv2"));
        Assert.Contains("conv (Conv2d)", error.Message);
        Assert.Throws<ArgumentException>(() => FeatureMaps.Capture(network, new float[15]));
    }
}

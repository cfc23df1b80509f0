using Cnn.IO;
using FineTuneSample;
using Xunit;

namespace Cnn.Samples.Tests;

/// <summary>The FineTune sample end to end on a small subset of the Fashion-MNIST files that Debian installs.</summary>
public sealed class FineTuneSampleTests : IDisposable
{
    private const string Data = "/usr/share/datasets/fashion-mnist";
    private readonly TempFolder _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void FineTune_SmallSubset_LoadsTheBody_TrainsTheHead_AndKeepsTheFrozenBodyBitForBit()
    {
        Assert.True(File.Exists(Path.Combine(Data, "train-images-idx3-ubyte.gz")) || File.Exists(Path.Combine(Data, "train-images-idx3-ubyte")),
            $"Fashion-MNIST is not in {Data}; install Debian's dataset-fashion-mnist (CI does).");
        var output = new StringWriter();
        var error = new StringWriter();

        int exit = FineTuneApp.Run(["--data", Data, "--limit", "600", "--test-limit", "200", "--base-epochs", "1", "--steps", "3", "--batch-size", "32", "--out", _files.Root],
            output, error);

        string text = output.ToString();
        Assert.True(exit == 0, error.ToString() + text);
        Assert.True(File.Exists(Path.Combine(_files.Root, "base.safetensors")));
        Assert.Contains("loaded non-strictly: 6 tensors (conv1.weight, conv1.bias, conv2.weight, conv2.bias, fc1.weight, fc1.bias); "
            + "missing head.weight, head.bias; unexpected fc2.bias, fc2.weight; shape mismatches none", text);
        Assert.Contains("classes 5-9 after 3 steps of 32", text);
        // The sample compares the frozen tensors as bits after training and fails (exit 1) if one changed.
        Assert.Contains("frozen body: 6 parameters frozen; 6 tensors, 420,352 values bit-for-bit unchanged", text);

        // Independently: the saved fine-tuned body equals the saved base body, bit for bit.
        using SafeTensorsFile trained = SafeTensorsFile.Open(Path.Combine(_files.Root, "base.safetensors"));
        using SafeTensorsFile tuned = SafeTensorsFile.Open(Path.Combine(_files.Root, "finetuned.safetensors"));
        foreach (string name in new[] { "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias" })
        {
            Assert.True(trained.TryGetTensor(name, out SafeTensorInfo? a));
            Assert.True(tuned.TryGetTensor(name, out SafeTensorInfo? b));
            float[] x = new float[a.ElementCount], y = new float[b.ElementCount];
            trained.ReadAsSingle(a, x);
            tuned.ReadAsSingle(b, y);
            Assert.True(x.Select(BitConverter.SingleToInt32Bits).SequenceEqual(y.Select(BitConverter.SingleToInt32Bits)), $"{name} changed");
        }
        Assert.True(trained.TryGetTensor("fc2.weight", out _) && tuned.TryGetTensor("head.weight", out _));
    }
}

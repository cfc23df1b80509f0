using Cnn.IO;
using Cnn.Models;

namespace Cnn.Onnx.Tests;

/// <summary>
/// torchvision's ResNet-18 exported by torch.onnx (PyTorch 1.13) and Cnn's ResNet18 exported by
/// Cnn, from the same weights, give the same outputs in ONNX Runtime.
/// </summary>
public sealed class TorchResNet18Tests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cnn-onnx-torch-").FullName;

    [Fact]
    public void TorchOnnxExport_AndCnnsExport_FromTheSameWeights_AgreeInOnnxRuntime()
    {
        (int code, string message) = Python.Run("torch_resnet18_onnx.py", _folder);
        Assert.True(code == 0, $"torch_resnet18_onnx.py failed ({code}); tests/prerequisites.sh installs python3-torch.\n{message}");
        const int batch = 2;
        using var network = new ResNet18(batch);
        ModelFile.Load(network, Path.Combine(_folder, "resnet18.safetensors"));
        string ours = Path.Combine(_folder, "resnet18.cnn.onnx");
        ModelFile.ExportOnnx(network, ours);
        float[] input = RandomTestData.Uniform(batch * network.InputShape.Size, seed: 18);

        float[] torch = OnnxRuntimeRunner.Run(Path.Combine(_folder, "resnet18.torch.onnx"), input, batch, network.InputShape);
        float[] cnn = OnnxRuntimeRunner.Run(ours, input, batch, network.InputShape);

        double error = OnnxRuntimeRunner.RelativeError(cnn, torch);
        Assert.True(error <= 1e-5, $"Cnn's ResNet-18 export differs from torch.onnx's by {error:E2} of the output's scale.");
        // And both agree with Cnn itself.
        Assert.True(OnnxRuntimeRunner.RelativeError(ExportedNetworks.Predict(network, input, batch), torch) <= 1e-5);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

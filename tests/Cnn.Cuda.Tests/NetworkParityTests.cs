using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Losses;
using Cnn.Models;
using Xunit;

namespace Cnn.Cuda.Tests;

/// <summary>
/// Every zoo network, generated once and run on CUDA (TF32 off) and on the CPU reference backend
/// from the same seed and batch: outputs within 1e-4 and parameter gradients within 1e-3 of the
/// reference (relative to each tensor's largest value), running statistics within 1e-4, and the
/// evaluation-mode output after the training pass. Dropout is switched off (DropoutEnabled = false)
/// because the two backends draw different masks; DropoutParity checks the CUDA masks on their own.
/// </summary>
public class NetworkParityTests
{
    /// <summary>Every network this class checks; a GPU script checks each in its own process (CNN_CUDA_NETWORKS).</summary>
    public static readonly string[] AllNetworks =
    [
        "LeNet5", "CifarAlexNet", "AlexNet@64", "Vgg16@32", "Vgg19@32", "ResNet18@32", "ResNet34@32", "ResNet50@32", "GoogLeNet@32",
        "CatsVsDogsNet", "Food101Net", "TutorialMnistNet", "GraphTestNet",
    ];

    public static TheoryData<string> Networks => new(CudaTestEnvironment.SelectNetworks(AllNetworks));

    internal static INetwork Create(string name, int batch, IBackend backend, ulong seed = 5) => name switch
    {
        "LeNet5" => new LeNet5(batch, backend, seed),
        "CifarAlexNet" => new CifarAlexNet(batch, backend, seed),
        "AlexNet@64" => new SmallAlexNet(batch, backend, seed),
        "Vgg16@32" => new SmallVgg16(batch, backend, seed),
        "Vgg19@32" => new SmallVgg19(batch, backend, seed),
        "ResNet18@32" => new SmallResNet18(batch, backend, seed),
        "ResNet34@32" => new SmallResNet34(batch, backend, seed),
        "ResNet50@32" => new SmallResNet50(batch, backend, seed),
        "GoogLeNet@32" => new SmallGoogLeNet(batch, backend, seed),
        "CatsVsDogsNet" => new CatsVsDogsNet(batch, backend, seed),
        "Food101Net" => new Food101Net(batch, backend, seed),
        "TutorialMnistNet" => new TutorialMnistNet(batch, backend, seed),
        "GraphTestNet" => new GraphTestNet(batch, backend, seed),
        _ => throw new ArgumentException($"Unknown test network {name}.", nameof(name)),
    };

    [CudaTheory]
    [MemberData(nameof(Networks))]
    public void ForwardAndGradients_MatchTheCpuReference(string name)
    {
        const int batch = 3;
        using var cuda = new CudaBackend(new CudaBackendOptions { AllowTf32 = false });
        using var reference = new CpuBackend(CpuKernels.Reference);
        using INetwork gpu = Create(name, batch, cuda);
        using INetwork cpu = Create(name, batch, reference);
        float[] input = RandomTestData.Uniform((long)batch * gpu.InputShape.Size, 17);
        float[] labels = RandomTestData.Labels(batch, gpu.OutputSize, 18);

        foreach (INetwork network in new[] { gpu, cpu })
        {
            network.Training = true;
            network.DropoutEnabled = false;
            network.Backend.Upload(input, network.Input.Slice(0, input.Length));
            network.Backend.Upload(labels, network.Labels.Slice(0, batch));
            network.Forward(batch);
        }
        double outputError = Compare(cpu, gpu, cpu.Output.Slice(0, batch * cpu.OutputSize), gpu.Output.Slice(0, batch * gpu.OutputSize), 1e-4, $"{name} training-mode output");

        float gpuLoss = Loss.For(gpu).Compute(gpu, batch), cpuLoss = Loss.For(cpu).Compute(cpu, batch);
        Assert.True(Math.Abs(gpuLoss - cpuLoss) <= 1e-4 * Math.Max(1, Math.Abs(cpuLoss)), $"{name}: loss {gpuLoss} on CUDA, {cpuLoss} on the CPU reference.");
        gpu.Backward(batch);
        cpu.Backward(batch);
        double gradientError = 0, bufferError = 0;
        foreach (ParameterInfo p in cpu.ParameterInfos)
        {
            int offset = checked((int)p.Offset);
            gradientError = Math.Max(gradientError, Compare(cpu, gpu, cpu.Gradients.Slice(offset, p.Length), gpu.Gradients.Slice(offset, p.Length), 1e-3, $"{name} gradient of {p.Name}"));
        }
        foreach (ParameterInfo b in cpu.BufferInfos)
        {
            int offset = checked((int)b.Offset);
            bufferError = Math.Max(bufferError, Compare(cpu, gpu, cpu.Buffers.Slice(offset, b.Length), gpu.Buffers.Slice(offset, b.Length), 1e-4, $"{name} buffer {b.Name}"));
        }

        foreach (INetwork network in new[] { gpu, cpu })
        {
            network.Training = false;
            network.Forward(batch);
        }
        double evaluationError = Compare(cpu, gpu, cpu.Output.Slice(0, batch * cpu.OutputSize), gpu.Output.Slice(0, batch * gpu.OutputSize), 1e-4, $"{name} evaluation-mode output");
        Figures.Report("network_parity", new Dictionary<string, object>
        {
            ["network"] = name, ["output_error"] = outputError, ["gradient_error"] = gradientError,
            ["buffer_error"] = bufferError, ["evaluation_error"] = evaluationError,
        });
    }

    [CudaFact]
    public void Tf32_WhenAllowed_StaysWithinTf32Precision()
    {
        const int batch = 4;
        using var cuda = new CudaBackend(new CudaBackendOptions { AllowTf32 = true });
        using var reference = new CpuBackend(CpuKernels.Reference);
        using INetwork gpu = Create("ResNet18@32", batch, cuda);
        using INetwork cpu = Create("ResNet18@32", batch, reference);
        float[] input = RandomTestData.Uniform((long)batch * gpu.InputShape.Size, 3);
        foreach (INetwork network in new[] { gpu, cpu })
        {
            network.Backend.Upload(input, network.Input.Slice(0, input.Length));
            network.Forward(batch);
        }
        Compare(cpu, gpu, cpu.Output.Slice(0, batch * 10), gpu.Output.Slice(0, batch * 10), 2e-2, "ResNet-18 output with TF32");
    }

    private static double Compare(INetwork cpu, INetwork gpu, Tensor expected, Tensor actual, double tolerance, string what) =>
        TestData.AssertClose(TestData.Download(cpu.Backend, expected), TestData.Download(gpu.Backend, actual), tolerance, what);
}

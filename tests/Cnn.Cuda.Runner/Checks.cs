using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Losses;
using Cnn.Models;

namespace Cnn.Cuda.Runner;

/// <summary>
/// The CUDA checks that need no test framework: each network runs one training pass on CUDA (TF32
/// off) and on the CPU reference backend from the same seed and inputs; outputs must agree within
/// 1e-4 and gradients within 1e-3 of each tensor's largest value.
/// </summary>
internal static class Checks
{
    private static readonly (string Name, Func<int, IBackend, INetwork> Create)[] s_networks =
    [
        ("MnistNet", (b, backend) => new MnistNet(b, backend, 5)),
        ("LeNet5", (b, backend) => new LeNet5(b, backend, 5)),
        ("CifarAlexNet", (b, backend) => new CifarAlexNet(b, backend, 5)),
        ("ResNet18 3x32x32", (b, backend) => new ResNet18Cifar(b, backend, 5)),
        ("GoogLeNet 3x32x32", (b, backend) => new GoogLeNetCifar(b, backend, 5)),
    ];

    public static bool Run(int device)
    {
        Console.WriteLine();
        Console.WriteLine("Checks against the CPU reference (batch 3, TF32 off)");
        Console.WriteLine($"{"network",-20} {"output err",12} {"grad err",12}  result");
        bool all = true;
        foreach ((string name, Func<int, IBackend, INetwork> create) in s_networks)
        {
            try
            {
                (double output, double gradient, string worst) = Compare(device, create);
                bool ok = output <= 1e-4 && gradient <= 1e-3;
                all &= ok;
                Console.WriteLine($"{name,-20} {output,12:E2} {gradient,12:E2}  {(ok ? "PASS" : "FAIL (worst: " + worst + ")")}");
            }
            catch (Exception e)
            {
                all = false;
                Console.WriteLine($"{name,-20} {"",12} {"",12}  FAIL: {e.GetType().Name}: {e.Message}");
            }
        }
        return all;
    }

    private static (double Output, double Gradient, string Worst) Compare(int device, Func<int, IBackend, INetwork> create)
    {
        const int batch = 3;
        using var cuda = new CudaBackend(new CudaBackendOptions { Device = device });
        using var reference = new CpuBackend(CpuKernels.Reference);
        using INetwork gpu = create(batch, cuda), cpu = create(batch, reference);
        var random = new SeededRandom(17);
        float[] input = new float[batch * gpu.InputShape.Size];
        for (int i = 0; i < input.Length; i++) input[i] = random.NextSingle() * 2 - 1;
        float[] labels = [1, 0, 2];
        foreach (INetwork n in new[] { gpu, cpu })
        {
            n.Training = true;
            n.DropoutEnabled = false;
            n.Backend.Upload(input, n.Input.Slice(0, input.Length));
            n.Backend.Upload(labels, n.Labels.Slice(0, batch));
            n.Forward(batch);
            Loss.For(n).Compute(n, batch);
            n.Backward(batch);
        }
        double output = Error(cpu, gpu, cpu.Output.Slice(0, batch * cpu.OutputSize), gpu.Output.Slice(0, batch * gpu.OutputSize));
        double gradient = 0;
        string worst = "";
        foreach (ParameterInfo p in cpu.ParameterInfos)
        {
            int offset = checked((int)p.Offset);
            double e = Error(cpu, gpu, cpu.Gradients.Slice(offset, p.Length), gpu.Gradients.Slice(offset, p.Length));
            if (!(e <= gradient)) (gradient, worst) = (e, p.Name);
        }
        return (output, gradient, worst);
    }

    /// <summary>max |gpu − cpu| / max |cpu|.</summary>
    private static double Error(INetwork cpu, INetwork gpu, Tensor expected, Tensor actual)
    {
        float[] e = new float[expected.Length], a = new float[actual.Length];
        cpu.Backend.Download(expected, e);
        gpu.Backend.Download(actual, a);
        double scale = 1e-12, worst = 0;
        for (int i = 0; i < e.Length; i++) scale = Math.Max(scale, Math.Abs(e[i]));
        for (int i = 0; i < e.Length; i++)
        {
            double d = Math.Abs((double)a[i] - e[i]);
            worst = double.IsNaN(d) ? double.PositiveInfinity : Math.Max(worst, d);
        }
        return worst / scale;
    }
}

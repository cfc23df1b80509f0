using Cnn.Backends.Cpu;
using Cnn.IO;
using Cnn.Losses;
using Cnn.Models;
using Cnn.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace Cnn.Runtime.Tests.Parity;

/// <summary>
/// The same networks in PyTorch 1.13 (computed in float64) and in Cnn (float32, fast CPU kernels),
/// from the same safetensors weights, on the same batch: forward within 1e-5 relative, the loss,
/// every gradient within 1e-4, the running statistics, and the parameters after one SGD-with-momentum
/// step and one Adam step taken from PyTorch's gradients (Adam divides by |g|, so a gradient that is
/// zero up to rounding would otherwise decide the step). Relative errors are
/// max|cnn − torch| / max|torch| per tensor, against PyTorch in float64. Where PyTorch's own float32
/// result is further from float64 than the tolerance (GoogLeNet in training mode), Cnn may be up to
/// <see cref="Float32Allowance"/> times PyTorch's float32 error instead.
/// </summary>
public class TorchParityTests : IClassFixture<TorchParityFixture>
{
    private const double Float32Allowance = 4;
    private readonly TorchParityFixture _torch;
    private readonly ITestOutputHelper _output;

    public TorchParityTests(TorchParityFixture torch, ITestOutputHelper output)
    {
        _torch = torch;
        _output = output;
    }

    public static TheoryData<string, string> Cases => new()
    {
        { "lenet5", "eval" },
        { "lenet5", "train" },
        { "cifar_alexnet", "eval" },
        { "cifar_alexnet", "train" },
        { "resnet18", "eval" },
        { "resnet18", "train" },
        { "googlenet", "eval" },
        { "googlenet", "train" },
        { "vgg16", "eval" },
        { "vgg16", "train" },
        { "smooth", "eval" },
        { "smooth", "train" },
        { "windows", "eval" },
    };

    private static INetwork Create(string net, int batch) => net switch
    {
        "lenet5" => new LeNet5(batch),
        "cifar_alexnet" => new CifarAlexNet(batch),
        "resnet18" => new ParityResNet18(batch),
        "googlenet" => new ParityGoogLeNet(batch),
        "vgg16" => new ParityVgg16(batch),
        "smooth" => new ParitySmoothNet(batch),
        "windows" => new ParityWindowsNet(batch),
        _ => throw new ArgumentException(net),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardGradientsAndSteps_MatchPyTorch(string net, string mode)
    {
        Assert.True(_torch.Failure is null, _torch.Failure);
        using SafeTensorsFile weights = SafeTensorsFile.Open(_torch.Weights(net));
        bool hasBatchNorm = weights.Tensors.Any(t => t.Name.EndsWith(".running_mean", StringComparison.Ordinal));
        // Without batch norm, train mode (dropout off) computes what eval mode does: one record serves both.
        using SafeTensorsFile record = SafeTensorsFile.Open(_torch.Record(net, hasBatchNorm ? mode : "eval"));
        float[] input = Read(record, "input"), labels = Read(record, "labels");
        int batch = labels.Length;
        using INetwork network = Create(net, batch);
        ModelFile.Load(network, _torch.Weights(net));
        network.Training = mode == "train";
        network.DropoutEnabled = false;

        network.Backend.Upload(input, network.Input.Slice(0, input.Length));
        network.Backend.Upload(labels, network.Labels.Slice(0, batch));
        network.Forward(batch);
        var worst = new Dictionary<string, double>();
        Compare("output", Download(network, network.Output.Slice(0, batch * network.OutputSize)), Read(record, "output"), Tolerance(record, "output", 1e-5), worst);
        float loss = new CrossEntropyLoss().Compute(network, batch);
        Compare("loss", new[] { loss }, Read(record, "loss"), 1e-5, worst);

        network.Backward(batch);
        float[] gradients = Download(network, network.Gradients);
        foreach (ParameterInfo p in network.ParameterInfos)
        {
            Compare("grad." + p.Name, gradients.AsSpan((int)p.Offset, p.Length).ToArray(), Read(record, "grad." + p.Name), Tolerance(record, "grad." + p.Name, 1e-4), worst);
        }
        float[] buffers = Download(network, network.Buffers);
        foreach (ParameterInfo b in network.BufferInfos)
        {
            Compare("buffer." + b.Name, buffers.AsSpan((int)b.Offset, b.Length).ToArray(), Read(record, "buffer." + b.Name), 1e-5, worst);
        }

        float[] torchGradients = new float[gradients.Length];
        foreach (ParameterInfo p in network.ParameterInfos)
        {
            Read(record, "grad." + p.Name).CopyTo(torchGradients, (int)p.Offset);
        }
        network.Backend.Upload(torchGradients, network.Gradients);
        using (var sgd = new Sgd(network, 0.1f, momentum: 0.9f, weightDecay: 1e-4f)) sgd.Step();
        CompareParameters(network, record, "sgd", worst);
        ModelFile.Load(network, _torch.Weights(net)); // back to the loaded weights; the gradients stay
        using (var adam = new Adam(network, 1e-3f)) adam.Step();
        CompareParameters(network, record, "adam", worst);

        foreach (string group in new[] { "output", "loss", "grad", "buffer", "sgd", "adam" })
        {
            var errors = worst.Where(w => w.Key == group || w.Key.StartsWith(group + ".", StringComparison.Ordinal)).ToList();
            if (errors.Count > 0)
            {
                var max = errors.MaxBy(e => e.Value);
                _output.WriteLine($"{net} {mode} {group}: worst relative error {max.Value:E2} ({max.Key})");
            }
        }
    }

    [Fact]
    public void WeightsSavedByCnn_LoadIntoPyTorchStrictly_AndGiveTheSameOutput()
    {
        Assert.True(_torch.Failure is null, _torch.Failure);
        const int Batch = 2;
        using var network = new ParityResNet18(Batch, seed: 5);
        var random = new SeededRandom(9);
        float[] input = new float[Batch * ParityResNet18.InputSize];
        for (int i = 0; i < input.Length; i++) input[i] = (float)random.NextGaussian();
        network.Training = true;
        network.Backend.Upload(input, network.Input.Slice(0, input.Length));
        network.Forward(Batch); // moves the running statistics away from their initial values
        network.Training = false;
        network.Forward(Batch);
        float[] ours = Download(network, network.Output.Slice(0, Batch * 10));

        string weights = Path.Combine(_torch.Directory, "from-cnn.safetensors");
        string inputFile = Path.Combine(_torch.Directory, "from-cnn-input.safetensors");
        string outputFile = Path.Combine(_torch.Directory, "from-cnn-output.safetensors");
        ModelFile.Save(network, weights);
        new SafeTensorsWriter().AddSingle("input", new long[] { Batch, 3, 64, 64 }, input).Save(inputFile);
        (int code, string log) = TorchParityFixture.Run("forward", "--net", "resnet18", "--weights", weights, "--input", inputFile, "--out", outputFile);
        Assert.True(code == 0, log);

        using SafeTensorsFile theirs = SafeTensorsFile.Open(outputFile);
        var worst = new Dictionary<string, double>();
        Compare("output", ours, Read(theirs, "output"), 1e-5, worst);
        _output.WriteLine($"Cnn → PyTorch resnet18 output: worst relative error {worst["output"]:E2}");
    }

    /// <summary>The parity tolerance, or a small multiple of PyTorch's own float32 error where that is larger.</summary>
    private static double Tolerance(SafeTensorsFile record, string tensor, double tolerance)
        => Math.Max(tolerance, Float32Allowance * Read(record, "f32error." + tensor)[0]);

    private static void CompareParameters(INetwork network, SafeTensorsFile record, string step, Dictionary<string, double> worst)
    {
        float[] parameters = Download(network, network.Parameters);
        foreach (ParameterInfo p in network.ParameterInfos)
        {
            Compare($"{step}.{p.Name}", parameters.AsSpan((int)p.Offset, p.Length).ToArray(), Read(record, $"{step}.{p.Name}"), 1e-5, worst);
        }
    }

    private static void Compare(string name, float[] actual, float[] expected, double tolerance, Dictionary<string, double> worst)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0, error = 0;
        int at = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            double difference = Math.Abs((double)actual[i] - expected[i]);
            if (difference > error || double.IsNaN(difference))
            {
                error = difference;
                at = i;
            }
        }
        double relative = scale == 0 ? error : error / scale;
        worst[name] = relative;
        Assert.True(relative <= tolerance, $"{name}: relative error {relative:E2} > {tolerance:E0} at [{at}]: Cnn {actual[at]}, PyTorch {expected[at]}");
    }

    private static float[] Read(SafeTensorsFile file, string name)
    {
        Assert.True(file.TryGetTensor(name, out SafeTensorInfo? tensor), $"{file.Path} has no '{name}'");
        var values = new float[tensor.ElementCount];
        file.ReadAsSingle(tensor, values);
        return values;
    }

    private static float[] Download(INetwork network, Tensor tensor)
    {
        var values = new float[tensor.Length];
        network.Backend.Download(tensor, values);
        return values;
    }
}

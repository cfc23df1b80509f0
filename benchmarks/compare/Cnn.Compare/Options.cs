using System.Globalization;

namespace Cnn.Compare;

/// <summary>
/// The command line, with torch_bench.py's option names and defaults, so that one set of flags
/// drives both sides.
/// </summary>
internal sealed class Options
{
    public required string Mode { get; init; }
    public int Threads { get; private set; } = 2;
    public int Repeats { get; private set; } = 5;
    public List<string> Nets { get; } = [];
    public int Warmup { get; private set; } = 5;
    public int TrainBatch { get; private set; } = 64;
    public int TrainSteps { get; private set; } = 30;
    public int InferBatch { get; private set; } = 256;
    public int InferIters { get; private set; } = 10;
    public int LatencyIters { get; private set; } = 300;
    public int GemmN { get; private set; } = 2048;
    public int Epochs { get; private set; } = 1;
    public string Data { get; private set; } = Cnn.Data.FashionMnist.DefaultDirectory;
    public string? Results { get; private set; }
    public string? Out { get; private set; }
    public string Phase { get; private set; } = "train";
    /// <summary>ort: the folder of torch_bench.py's exported NAME.onnx models.</summary>
    public string? Models { get; private set; }
    /// <summary>bench, profile: the backend's matrix products in bf16 (<see cref="Cnn.Backends.Cpu.MatrixPrecision.BFloat16"/>).</summary>
    public bool BFloat16 { get; private set; }
    /// <summary>The backend's matrix precision, from <see cref="BFloat16"/>.</summary>
    public Cnn.Backends.Cpu.MatrixPrecision Precision => BFloat16 ? Cnn.Backends.Cpu.MatrixPrecision.BFloat16 : Cnn.Backends.Cpu.MatrixPrecision.Single;

    public static Options Parse(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
            throw new ArgumentException("The first argument is the mode: bench, ort, gemm, bf16gemm, bf16nets, peak, train, memory, profile, probe, winograd or report.");
        var o = new Options { Mode = args[0] };
        for (int i = 1; i < args.Length; i++)
        {
            string flag = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{flag} needs a value.");
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
            switch (flag)
            {
                case "--threads": o.Threads = Int(); break;
                case "--repeats": o.Repeats = Int(); break;
                case "--warmup": o.Warmup = Int(); break;
                case "--train-batch": o.TrainBatch = Int(); break;
                case "--train-steps": o.TrainSteps = Int(); break;
                case "--infer-batch": o.InferBatch = Int(); break;
                case "--infer-iters": o.InferIters = Int(); break;
                case "--latency-iters": o.LatencyIters = Int(); break;
                case "--gemm-n": o.GemmN = Int(); break;
                case "--epochs": o.Epochs = Int(); break;
                case "--data": o.Data = Value(); break;
                case "--results": o.Results = Value(); break;
                case "--out": o.Out = Value(); break;
                case "--phase": o.Phase = Value(); break;
                case "--models": o.Models = Value(); break;
                case "--bf16": o.BFloat16 = true; break;
                case "--nets":
                    while (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) o.Nets.Add(args[++i]);
                    break;
                default: throw new ArgumentException($"Unknown option '{flag}'.");
            }
        }
        if (o.Nets.Count == 0 && o.Mode != "memory") o.Nets.AddRange(Networks.BenchNetworks.Default.Select(n => n.Name));
        return o;
    }
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;

namespace Cnn.Compare;

/// <summary>
/// The ONNX Runtime side of the comparison: torch_bench.py's networks exported by torch.onnx
/// (opset 13, dynamic batch; <c>torch_bench.py export</c>), run by ONNX Runtime's CPU execution
/// provider on --threads intra-op threads with every graph optimisation. It measures what
/// <see cref="ThroughputBench"/> measures for inference, the same way: throughput at --infer-batch
/// and batch-1 latency.
/// </summary>
/// <remarks>
/// Input and output tensors are bound once, over arrays allocated before timing, and every call
/// goes through the OrtValue overload of <c>InferenceSession.Run</c>: no allocation per call, the
/// fastest way the C# API offers, so that ONNX Runtime is measured at its best.
/// </remarks>
internal static class OrtBench
{
    public static void Run(Options o)
    {
        string models = o.Models ?? throw new ArgumentException("ort needs --models DIR: the folder of torch_bench.py export's NAME.onnx files.");
        string version = OrtEnv.Instance().GetVersionString();
        Console.WriteLine($"ONNX Runtime {version}, CPU execution provider, intra-op threads={o.Threads}, ORT_ENABLE_ALL");
        Measurements.Emit(new JsonObject { ["metric"] = "environment", ["onnxruntime"] = version, ["threads"] = o.Threads }, "ort");
        foreach (string name in o.Nets)
        {
            string path = Path.Combine(models, name + ".onnx");
            if (!File.Exists(path)) throw new ArgumentException($"{path} does not exist: export it with torch_bench.py export --nets {name} --out {models}.");
            using var options = new SessionOptions
            {
                IntraOpNumThreads = o.Threads,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            using var session = new InferenceSession(path, options);
            Console.WriteLine($"\n=== {name}: {path}");
            using var many = new BoundRun(session, o.InferBatch);
            Throughput(name, many, o);
            using var one = new BoundRun(session, 1);
            Latency(name, one, o);
        }
    }

    private static void Throughput(string name, BoundRun run, Options o)
    {
        ThroughputBench.Warm(o.Warmup, run.Invoke);
        var ips = new List<double>();
        for (int r = 0; r < o.Repeats; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < o.InferIters; i++) run.Invoke();
            ips.Add(run.Batch * o.InferIters / Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        Console.WriteLine($"infer  bs={run.Batch} ({o.InferIters} iters/repeat): {Measurements.Format(ips, "img/s")}");
        JsonObject record = Measurements.Record(name, "infer_img_per_s", o.Threads, ips);
        record["batch"] = run.Batch;
        Measurements.Emit(record, "ort");
    }

    private static void Latency(string name, BoundRun run, Options o)
    {
        for (int i = 0; i < 50; i++) run.Invoke();
        ThroughputBench.Warm(0, run.Invoke);
        var medians = new List<double>();
        var p90s = new List<double>();
        double[] times = new double[o.LatencyIters];
        for (int r = 0; r < o.Repeats; r++)
        {
            for (int i = 0; i < times.Length; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                run.Invoke();
                times[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
            }
            Array.Sort(times);
            medians.Add(Measurements.Median(times));
            p90s.Add(times[(int)(0.9 * times.Length)]);
        }
        Console.WriteLine($"latency bs=1 (median of {o.LatencyIters} calls per repeat): {Measurements.Format(medians, "us")}  p90(median over repeats) {Measurements.Median(p90s):F1} us");
        JsonObject record = Measurements.Record(name, "latency_bs1_us", o.Threads, medians);
        record["p90_median"] = Measurements.Median(p90s);
        Measurements.Emit(record, "ort");
    }

    /// <summary>One session call at a fixed batch, its input (seeded Gaussian values) and output bound once.</summary>
    private sealed class BoundRun : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly RunOptions _runOptions = new();
        private readonly string[] _inputNames, _outputNames;
        private readonly OrtValue[] _inputs, _outputs;

        public BoundRun(InferenceSession session, int batch)
        {
            _session = session;
            Batch = batch;
            var (inputName, input) = session.InputMetadata.Single();
            var (outputName, output) = session.OutputMetadata.Single();
            long[] inputShape = Shape(input.Dimensions, batch, inputName), outputShape = Shape(output.Dimensions, batch, outputName);
            _inputNames = [inputName];
            _outputNames = [outputName];
            float[] x = ThroughputBench.Gaussian(3, checked((int)inputShape.Aggregate(1L, (a, b) => a * b)));
            float[] y = new float[outputShape.Aggregate(1L, (a, b) => a * b)];
            _inputs = [OrtValue.CreateTensorValueFromMemory(x, inputShape)];
            _outputs = [OrtValue.CreateTensorValueFromMemory(y, outputShape)];
        }

        public int Batch { get; }

        public void Invoke() => _session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);

        /// <summary>The model's dimensions with the dynamic batch axis (the first, -1) set to <paramref name="batch"/>.</summary>
        private static long[] Shape(int[] dimensions, int batch, string name)
        {
            if (dimensions.Length == 0 || dimensions[0] != -1 || dimensions.Skip(1).Any(d => d <= 0))
                throw new ArgumentException($"'{name}' has shape [{string.Join(", ", dimensions)}]; the ort mode needs a dynamic batch axis first and fixed sizes after it (torch_bench.py export).");
            return [batch, .. dimensions.Skip(1).Select(d => (long)d)];
        }

        public void Dispose()
        {
            foreach (OrtValue value in _inputs.Concat(_outputs)) value.Dispose();
            _runOptions.Dispose();
        }
    }
}

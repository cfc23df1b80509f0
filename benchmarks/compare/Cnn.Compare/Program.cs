using Cnn.Compare;

// The Cnn side of benchmarks/compare/run.sh, and the report that joins both sides.
//   bench   train img/s (bs 64), inference img/s (bs 256), latency (bs 1) per network
//   gemm    SGEMM GFLOP/s
//   train   Fashion-MNIST training run and its peak RSS
//   memory  peak RSS of a few ResNet-18 or VGG-16 training steps or inference passes at 224×224
//   profile where the time of each workload goes, layer by layer
//   probe   each convolution alone, on 1 and on --threads threads
//   winograd the 3×3 stride-1 layers by im2col and by Winograd side by side, with ratios
//   report  --results FILE --out DIR: the table, JSON and PNG from both sides' JSON lines
try
{
    Options options = Options.Parse(args);
    switch (options.Mode)
    {
        case "bench": ThroughputBench.Run(options); break;
        case "gemm": GemmBench.Run(options); break;
        case "train": TrainingRun.Run(options); break;
        case "memory": MemoryRun.Run(options); break;
        case "profile": Cnn.Compare.Profiling.LayerProfile.Run(options); break;
        case "probe": Cnn.Compare.Profiling.ConvProbe.Run(options); break;
        case "winograd": Cnn.Compare.Profiling.WinogradProbe.Run(options); break;
        case "report": return Report.Run(options);
        default: throw new ArgumentException($"Unknown mode '{options.Mode}'; use bench, gemm, train, memory, profile, probe, winograd or report.");
    }
    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

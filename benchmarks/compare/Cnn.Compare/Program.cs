using Cnn.Compare;

// The Cnn and ONNX Runtime sides of benchmarks/compare/run.sh, and the report that joins all sides.
//   bench   train img/s (bs 64), inference img/s (bs 256), latency (bs 1) per network
//   ort     the ONNX Runtime side: inference img/s and latency of torch_bench.py's exported models (--models DIR)
//   gemm    SGEMM GFLOP/s
//   peak    this machine's fp32 FMA peak, on 1 and --threads threads
//   train   Fashion-MNIST training run and its peak RSS
//   memory  peak RSS of a few ResNet-18 or VGG-16 training steps or inference passes at 224×224
//   profile where the time of each workload goes, layer by layer, with each layer's GFLOP/s against the FMA peak
//   probe   each convolution alone, on 1 and on --threads threads
//   resnetprobe ResNet-18's convolutions alone (fused as the network runs them), by the rule and by each forward path, batch 1 and --infer-batch
//   winograd the 3×3 stride-1 layers by im2col and by Winograd side by side, with ratios
//   gradients the CIFAR AlexNet-like net's convolutions at the training batch: forward, input gradient, weight gradient, each alone
//   pooledconv the MNIST net's conv2 + ReLU + pool by its other paths and by the pooled Winograd F(4×4) kernel
//   report  --results FILE --out DIR: the table, JSON and PNG from both sides' JSON lines
try
{
    Options options = Options.Parse(args);
    switch (options.Mode)
    {
        case "bench": ThroughputBench.Run(options); break;
        case "ort": OrtBench.Run(options); break;
        case "gemm": GemmBench.Run(options); break;
        case "bf16gemm": Bf16GemmBench.Run(options); break;
        case "bf16nets": Bf16NetworkBench.Run(options); break;
        case "peak": Cnn.Compare.Profiling.FmaPeak.Run(options); break;
        case "train": TrainingRun.Run(options); break;
        case "memory": MemoryRun.Run(options); break;
        case "profile": Cnn.Compare.Profiling.LayerProfile.Run(options); break;
        case "probe": Cnn.Compare.Profiling.ConvProbe.Run(options); break;
        case "resnetprobe": Cnn.Compare.Profiling.ResNetConvProbe.Run(options); break;
        case "winograd": Cnn.Compare.Profiling.WinogradProbe.Run(options); break;
        case "gradients": Cnn.Compare.Profiling.GradientProbe.Run(options); break;
        case "pooledconv": Cnn.Compare.Profiling.PooledConvProbe.Run(options); break;
        case "report": return Report.Run(options);
        default: throw new ArgumentException($"Unknown mode '{options.Mode}'; use bench, ort, gemm, peak, train, memory, profile, probe, winograd, gradients, pooledconv or report.");
    }
    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

using Cnn.Cuda;
using Cnn.Cuda.Runner;

// Runs the CUDA checks (every listed network against the CPU reference backend) and a training and
// latency benchmark, then prints a table. Exit codes: 0 all checks passed, 1 a check failed,
// 2 bad arguments, 3 no CUDA device (the reason is printed).
bool check = true, bench = true;
int device = 0;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--check-only": bench = false; break;
        case "--bench-only": check = false; break;
        case "--device" when i + 1 < args.Length && int.TryParse(args[i + 1], out device): i++; break;
        case "--help" or "-h":
            Console.WriteLine("cnn-cuda-runner [--check-only | --bench-only] [--device N]");
            return 0;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: cnn-cuda-runner [--check-only | --bench-only] [--device N]");
            return 2;
    }
}

if (!CudaDevice.TryOpen(device, out CudaDeviceInfo? info, out string reason))
{
    Console.WriteLine($"no CUDA device: {reason}");
    return 3;
}
Console.WriteLine($"CUDA device: {info}");

bool passed = true;
if (check) passed = Checks.Run(device);
if (bench) Benchmarks.Run(device);
return passed ? 0 : 1;

using System.Text.Json;
using System.Text.Json.Nodes;
using Cnn.Cuda;
using Cnn.Cuda.Interop;
using Cnn.Cuda.Runner;

// The GPU machine's entry point (it has no .NET: both this runner and cnn-cuda-tests are published
// self-contained, see device/prepare.sh). Runs every GPU check of cnn-cuda-tests, each test class and
// each network in its own process, then the benchmark; writes logs and figures.json under --out.
// Exit codes: 0 all checks passed, 1 a check failed, 2 bad arguments, 3 no CUDA device (the reason is printed).
(RunnerOptions? options, string? error) = RunnerOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine(error);
    return 2;
}
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(RunnerOptions.Usage);
    return 0;
}

Directory.CreateDirectory(options.OutputFolder);
var report = new JsonObject { ["started_utc"] = DateTime.UtcNow.ToString("O") };
bool hasDevice = CudaDevice.TryOpen(options.Device, out CudaDeviceInfo? info, out string reason);
Console.WriteLine(hasDevice ? $"CUDA device: {info}" : $"no CUDA device: {reason}");
report["device"] = hasDevice ? info!.ToString() : null;
report["no_device_reason"] = hasDevice ? null : reason;
if (hasDevice)
{
    // Creating a backend loads cuBLAS, cuDNN and NVRTC, so that the report below names where they came from.
    try
    {
        using var backend = new CudaBackend(new CudaBackendOptions { Device = options.Device });
        report["kernels"] = backend.KernelTarget;
        report["library_versions"] = backend.LibraryVersions;
        Console.WriteLine($"{backend.LibraryVersions}; kernels: {backend.KernelTarget}");
    }
    catch (Exception e)
    {
        Console.WriteLine($"creating a backend failed: {e.GetType().Name}: {e.Message}");
        report["backend_error"] = e.Message;
    }
}
var libraries = new JsonArray();
foreach ((string library, string loadedFrom) in NativeLibraryLocator.Loaded())
{
    Console.WriteLine($"  {library}: {loadedFrom}");
    libraries.Add(new JsonObject { ["library"] = library, ["loaded_from"] = loadedFrom });
}
report["libraries"] = libraries;

bool passed = true;
if (options.Check && (hasDevice || options.AllowNoDevice))
{
    string tests = options.TestsPath ?? Path.Combine(AppContext.BaseDirectory, "cnn-cuda-tests");
    var checks = new CheckRunner(options, tests, Console.Out);
    passed = checks.Run();
    report["checks"] = checks.Results;
    report["figures"] = checks.Figures;
}
if (options.Bench && hasDevice) report["bench"] = Benchmarks.Run(options, Console.Out);

string figuresPath = Path.Combine(options.OutputFolder, "figures.json");
File.WriteAllText(figuresPath, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"\nfigures: {figuresPath}");
return !hasDevice && !options.AllowNoDevice ? 3 : passed ? 0 : 1;

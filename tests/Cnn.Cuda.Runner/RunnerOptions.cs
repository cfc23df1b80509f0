namespace Cnn.Cuda.Runner;

/// <summary>The runner's command line.</summary>
internal sealed record RunnerOptions
{
    public const string Usage =
        "cnn-cuda-runner [--check-only | --bench-only] [--subset NAME[,NAME...]] [--device N] [--tests PATH] [--out DIR] [--timeout SECONDS] [--allow-no-device]\n" +
        "  --check-only   run the GPU checks (every test of cnn-cuda-tests, each class and each network in its own process), no benchmark\n" +
        "  --bench-only   run the benchmark only\n" +
        "  --subset       only these test classes (OperatorParityTests), networks of the parity check (ResNet18@32) and benchmark networks (resnet18_224)\n" +
        "  --tests        the cnn-cuda-tests executable (default: beside this runner)\n" +
        "  --out          write one log per check process and figures.json there (default: ./cuda-run)\n" +
        "  --timeout      seconds one check process may run before it is killed (default: 600)\n" +
        "  --allow-no-device  run the checks even without a GPU (they skip): tries the orchestration on any machine";

    public bool Check { get; init; } = true;
    public bool Bench { get; init; } = true;
    public IReadOnlyList<string> Subset { get; init; } = [];
    public int Device { get; init; }
    public string? TestsPath { get; init; }
    public string OutputFolder { get; init; } = "cuda-run";
    public int TimeoutSeconds { get; init; } = 600;
    public bool AllowNoDevice { get; init; }

    /// <summary>Whether <paramref name="name"/> is selected (everything is when no subset is given).</summary>
    public bool Selects(string name) => Subset.Count == 0 || Subset.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Parses <paramref name="args"/>, or returns the error to print.</summary>
    public static (RunnerOptions? Options, string? Error) Parse(string[] args)
    {
        var options = new RunnerOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string argument = args[i];
            string? Value() => i + 1 < args.Length ? args[++i] : null;
            switch (argument)
            {
                case "--check-only": options = options with { Bench = false }; break;
                case "--bench-only": options = options with { Check = false }; break;
                case "--allow-no-device": options = options with { AllowNoDevice = true }; break;
                case "--help" or "-h": break;
                case "--subset" when Value() is string names:
                    options = options with { Subset = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
                    break;
                case "--device" when int.TryParse(Value(), out int device) && device >= 0: options = options with { Device = device }; break;
                case "--tests" when Value() is string path: options = options with { TestsPath = path }; break;
                case "--out" when Value() is string folder: options = options with { OutputFolder = folder }; break;
                case "--timeout" when int.TryParse(Value(), out int seconds) && seconds > 0: options = options with { TimeoutSeconds = seconds }; break;
                default: return (null, $"Unknown or incomplete argument '{argument}'.\n{Usage}");
            }
        }
        if (!options.Check && !options.Bench) return (null, $"--check-only and --bench-only exclude each other.\n{Usage}");
        return (options, null);
    }
}

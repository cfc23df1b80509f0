using Xunit;
using Xunit.Abstractions;

namespace Cnn.Packaging.Tests;

/// <summary>
/// What a new user does: pack Cnn into a local folder feed, create a console project outside the
/// solution whose only references are <c>&lt;PackageReference Include="Cnn" /&gt;</c> and the
/// distributed-training packages (Cnn.Distributed, Cnn.Distributed.Nccl, which brings Cnn.Cuda), build
/// it, train a step (through a one-process <c>ICollectives</c>) and save; then break the network and see
/// the build fail with its CNN error. The project
/// generates its documentation file and treats warnings as errors, so it builds only if every public
/// member the generator adds (the valid network's and the broken one's stubs) is documented.
/// </summary>
[Collection(DotnetCliCollection.Name)]
public sealed class ConsumerProjectTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(6);

    private const string GoodNetwork = """
        using Cnn;

        /// <summary>A small classifier of 28×28 images.</summary>
        [Network]
        [Input(1, 28, 28)]
        [Conv2d("conv1", 8, 3, Padding = 1)]
        [MaxPool2d(2)]
        [ReLU]
        [Flatten]
        [Linear("fc1", 10)]
        [LogSoftmax]
        public partial class TinyNet { }
        """;

    // The same network without [Flatten]: Linear 'fc1' receives a 4-D tensor (CNN0009).
    private const string BrokenNetwork = """
        using Cnn;

        /// <summary>A small classifier of 28×28 images.</summary>
        [Network]
        [Input(1, 28, 28)]
        [Conv2d("conv1", 8, 3, Padding = 1)]
        [MaxPool2d(2)]
        [ReLU]
        [Linear("fc1", 10)]
        [LogSoftmax]
        public partial class TinyNet { }
        """;

    private const string Program = """
        using Cnn;
        using Cnn.Data;
        using Cnn.Distributed;
        using Cnn.Distributed.Mpi;
        using Cnn.Distributed.Nccl;
        using Cnn.IO;
        using Cnn.Optimizers;
        using Cnn.Training;

        Console.WriteLine(TinyNet.Summary);
        const int count = 16;
        var random = new Random(1);
        var pixels = new float[count * 28 * 28];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)random.NextDouble();
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = i % 10;
        var data = new ImageDataset(pixels, labels, new TensorShape(1, 28, 28), ImageDataset.NumberedClassNames(10));

        using var net = new TinyNet(maxBatchSize: count, seed: 1);
        using var adam = new Adam(net, 1e-3f);
        using var world = new SingleProcessCollectives();
        var history = net.Fit(data, validation: null, new FitOptions { Optimizer = adam, Epochs = 1, BatchSize = count, Distributed = world });
        Console.WriteLine($"rank {world.Rank} of {world.WorldSize}, NCCL device {NcclCollectives.DefaultDevice(_ => null)}");
        if (args.Contains("--mpi"))
        {
            // Compiled, not run here: it needs mpirun (and a GPU for NCCL).
            using var mpi = new MpiCollectives();
            using var nccl = new NcclCollectives(mpi);
        }
        Console.WriteLine($"trained one step of {count} images: loss {history[0].Loss:F4}");
        ModelFile.Save(net, "tinynet.safetensors");
        Console.WriteLine($"saved tinynet.safetensors: {new FileInfo("tinynet.safetensors").Length} bytes, {TinyNet.ParameterCount} parameters");
        """;

    [Fact]
    public void PackageReferenceToCnn_BuildsTrainsAndSaves_AndABrokenNetworkFailsWithItsCnnError()
    {
        string root = Directory.CreateTempSubdirectory("cnn-consumer-").FullName;
        try
        {
            string feed = Path.Combine(root, "feed");
            string app = Path.Combine(root, "app");
            Directory.CreateDirectory(app);

            // Pack the runtime (with the generator inside) and the packages the consumer adds from this
            // build's configuration, in one build of a solution filter.
            string filter = Path.Combine(root, "packages.slnf");
            File.WriteAllText(filter, System.Text.Json.JsonSerializer.Serialize(new
            {
                solution = new { path = Path.Combine(RepositoryPaths.Root, "Cnn.sln"), projects = PackedProjects.Select(p => $"src/{p}/{p}.csproj").ToArray() },
            }));
            CliResult pack = Dotnet(RepositoryPaths.Root, null, "pack", filter,
                "-c", RepositoryPaths.Configuration, $"-p:PackageOutputPath={feed}", "--disable-build-servers", "-nodeReuse:false");
            Assert.True(pack.ExitCode == 0, pack.ToString());
            string version = Path.GetFileNameWithoutExtension(Package(feed, "Cnn"))["Cnn.".Length..];
            string[] cnn = Entries(Package(feed, "Cnn"));
            Assert.Contains("analyzers/dotnet/cs/Cnn.Generators.dll", cnn);
            Assert.Contains("analyzers/dotnet/cs/Cnn.CodeFixes.dll", cnn);
            Assert.Contains("lib/net10.0/Cnn.Runtime.dll", cnn);
            foreach ((string id, string dependency) in new[] { ("Cnn.Distributed", "Cnn"), ("Cnn.Distributed.Nccl", "Cnn.Cuda") })
            {
                string package = Package(feed, id, version);
                string[] entries = Entries(package);
                Assert.Contains($"lib/net10.0/{id}.dll", entries);
                Assert.Contains($"lib/net10.0/{id}.xml", entries);
                Assert.Contains("README.md", entries);
                // The dependency keeps its analyzers (PrivateAssets="none"), so that the generator reaches
                // a project that references only this package: no exclude="Build,Analyzers".
                string nuspec = Nuspec(package);
                string[] elements = System.Text.RegularExpressions.Regex.Matches(nuspec, $"<dependency id=\"{dependency}\" [^>]*>").Select(m => m.Value).ToArray();
                Assert.True(elements.Length == 1, nuspec);
                log.WriteLine($"{id} depends on: {elements[0]}");
                Assert.Contains($"version=\"{version}\"", elements[0]);
                Assert.DoesNotContain("Analyzers", elements[0]);
            }

            WriteConsumer(app, feed, version);
            // A fresh package folder, so that this run's packages are used and not ones cached by a
            // previous run under the same version.
            var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(root, "packages") };

            CliResult build = Dotnet(app, environment, "build", "-c", "Release", "--disable-build-servers", "-nodeReuse:false");
            Assert.True(build.ExitCode == 0, build.ToString());

            CliResult run = Dotnet(app, environment, Path.Combine(app, "bin", "Release", "net10.0", "app.dll"));
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("Total params:", run.Output);
            Assert.Contains("trained one step of 16 images", run.Output);
            Assert.Contains("rank 0 of 1, NCCL device 0", run.Output);
            Assert.True(new FileInfo(Path.Combine(app, "tinynet.safetensors")).Length > 4 * 15_690, run.ToString());

            File.WriteAllText(Path.Combine(app, "TinyNet.cs"), BrokenNetwork);
            CliResult broken = Dotnet(app, environment, "build", "-c", "Release", "--no-restore", "--disable-build-servers", "-nodeReuse:false");
            Assert.NotEqual(0, broken.ExitCode);
            Assert.Contains("error CNN0009", broken.Output);
            Assert.Contains("add [Flatten]", broken.Output);
            // The generator emits stubs whose bodies throw for an invalid network, so Program.cs's uses of
            // TinyNet's members still compile: the CNN error is the only one.
            Assert.DoesNotContain("error CS", broken.Output);
            string[] errors = broken.Output.Split('\n').Where(line => line.Contains(": error ", StringComparison.Ordinal)).Distinct().ToArray();
            log.WriteLine($"broken network: {errors.Length} error line(s)");
            foreach (string error in errors) log.WriteLine("  " + error.Trim());
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The projects packed (each under src/, its package the consumer's or one they depend on).</summary>
    private static readonly string[] PackedProjects = ["Cnn.Runtime", "Cnn.Cuda", "Cnn.Distributed", "Cnn.Distributed.Nccl"];

    /// <summary>The one package <paramref name="id"/> in <paramref name="feed"/> (not its symbols), of <paramref name="version"/> when given.</summary>
    private static string Package(string feed, string id, string? version = null) =>
        Assert.Single(Directory.GetFiles(feed, "*.nupkg"), path => version is null
            ? Path.GetFileName(path).StartsWith(id + ".0", StringComparison.Ordinal) && !path.EndsWith(".snupkg", StringComparison.Ordinal)
            : Path.GetFileName(path) == $"{id}.{version}.nupkg");

    private string[] Entries(string package)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(package);
        string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
        log.WriteLine($"{Path.GetFileName(package)}: " + string.Join(", ", entries.Where(e => e.StartsWith("lib/", StringComparison.Ordinal) || e.StartsWith("analyzers/", StringComparison.Ordinal))));
        return entries;
    }

    private static string Nuspec(string package)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(package);
        using var reader = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        return reader.ReadToEnd();
    }

    private CliResult Dotnet(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        CliResult result = DotnetCli.Run(workingDirectory, Timeout, environment, arguments);
        log.WriteLine($"$ {result.Command}  (exit {result.ExitCode}, {clock.Elapsed.TotalSeconds:F0} s)");
        if (!arguments[0].StartsWith("pack", StringComparison.Ordinal) && !arguments[0].StartsWith("build", StringComparison.Ordinal))
            log.WriteLine(result.Output);
        return result;
    }

    /// <summary>The project a user would write, isolated from the repository's build files and feeds.</summary>
    private static void WriteConsumer(string app, string feed, string version)
    {
        string parent = Path.GetDirectoryName(app)!;
        // Stop MSBuild's upward search for these files at the temp folder.
        foreach (string name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
            File.WriteAllText(Path.Combine(parent, name), "<Project />\n");
        // The local feed beside the machine's usual sources (not cleared). Source mapping takes Cnn
        // from the local feed only, so that no remote package of that name can win; Cnn's one
        // dependency (Microsoft.Extensions.Logging.Abstractions) comes from nuget.org, and the
        // repository's own restore has already put it in the global packages folder.
        File.WriteAllText(Path.Combine(parent, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="cnn-local" value="{feed}" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="cnn-local">
                  <package pattern="Cnn" />
                  <package pattern="Cnn.*" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <GenerateDocumentationFile>true</GenerateDocumentationFile>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <WarningsNotAsErrors>NU1603;NU1900</WarningsNotAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Cnn" Version="{version}" />
                <PackageReference Include="Cnn.Distributed" Version="{version}" />
                <PackageReference Include="Cnn.Distributed.Nccl" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "TinyNet.cs"), GoodNetwork);
        File.WriteAllText(Path.Combine(app, "Program.cs"), Program);
    }
}

using Xunit;
using Xunit.Abstractions;

namespace Cnn.Packaging.Tests;

/// <summary>
/// What a new user does: pack Cnn into a local folder feed, create a console project outside the
/// solution whose only reference is <c>&lt;PackageReference Include="Cnn" /&gt;</c>, build it, train a
/// step and save; then break the network and see the build fail with its CNN error. The project
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
        var history = net.Fit(data, validation: null, new FitOptions { Optimizer = adam, Epochs = 1, BatchSize = count });
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

            // Pack the runtime (with the generator inside) from this build's configuration.
            CliResult pack = Dotnet(RepositoryPaths.Root, null, "pack", Path.Combine("src", "Cnn.Runtime", "Cnn.Runtime.csproj"),
                "-c", RepositoryPaths.Configuration, "-o", feed, "--disable-build-servers", "-nodeReuse:false");
            Assert.True(pack.ExitCode == 0, pack.ToString());
            string package = Assert.Single(Directory.GetFiles(feed, "Cnn.*.nupkg"), p => !p.EndsWith(".snupkg", StringComparison.Ordinal));
            string version = Path.GetFileNameWithoutExtension(package)["Cnn.".Length..];
            using (var zip = System.IO.Compression.ZipFile.OpenRead(package))
            {
                string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
                log.WriteLine("package: " + string.Join(", ", entries.Where(e => e.StartsWith("lib/", StringComparison.Ordinal) || e.StartsWith("analyzers/", StringComparison.Ordinal))));
                Assert.Contains("analyzers/dotnet/cs/Cnn.Generators.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/Cnn.CodeFixes.dll", entries);
                Assert.Contains("lib/net10.0/Cnn.Runtime.dll", entries);
            }

            WriteConsumer(app, feed, version);
            // A fresh package folder, so that this run's Cnn is used and not one cached by a
            // previous run under the same version. Cnn has no dependencies, so nothing else is fetched.
            var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(root, "packages") };

            CliResult build = Dotnet(app, environment, "build", "-c", "Release", "--disable-build-servers", "-nodeReuse:false");
            Assert.True(build.ExitCode == 0, build.ToString());

            CliResult run = Dotnet(app, environment, Path.Combine(app, "bin", "Release", "net10.0", "app.dll"));
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("Total params:", run.Output);
            Assert.Contains("trained one step of 16 images", run.Output);
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
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "TinyNet.cs"), GoodNetwork);
        File.WriteAllText(Path.Combine(app, "Program.cs"), Program);
    }
}

using Xunit;
using Xunit.Abstractions;

namespace Cnn.Packaging.Tests;

/// <summary>
/// <c>dotnet new cnn-classifier</c> from the packed Cnn.Templates: installed into a private template
/// hive (the machine's template cache is untouched), instantiated, built against a freshly packed Cnn,
/// run for one short epoch on generated data, and its own tests run.
/// </summary>
[Collection(DotnetCliCollection.Name)]
public sealed class TemplateTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(6);

    [Fact]
    public void CnnClassifierTemplate_BuildsTrainsOneEpochAndPassesItsTests()
    {
        string root = Directory.CreateTempSubdirectory("cnn-template-").FullName;
        try
        {
            string feed = Path.Combine(root, "feed");
            string hive = Path.Combine(root, "hive");
            string work = Path.Combine(root, "work");
            Directory.CreateDirectory(work);
            var environment = new Dictionary<string, string>
            {
                ["DOTNET_CLI_HOME"] = Path.Combine(root, "cli-home"),
                ["NUGET_PACKAGES"] = Path.Combine(root, "packages"),
            };
            string globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
                ? configured
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

            foreach (string project in new[] { Path.Combine("src", "Cnn.Runtime", "Cnn.Runtime.csproj"), Path.Combine("templates", "Cnn.Templates.csproj") })
            {
                CliResult pack = Dotnet(RepositoryPaths.Root, null, "pack", project, "-c", RepositoryPaths.Configuration, "-o", feed, "--disable-build-servers", "-nodeReuse:false");
                Assert.True(pack.ExitCode == 0, pack.ToString());
            }
            string templates = Assert.Single(Directory.GetFiles(feed, "Cnn.Templates.*.nupkg"));
            string cnn = Assert.Single(Directory.GetFiles(feed, "Cnn.*.nupkg"), p => Path.GetFileName(p).StartsWith("Cnn.0", StringComparison.Ordinal) && !p.EndsWith(".snupkg", StringComparison.Ordinal));
            string version = Path.GetFileNameWithoutExtension(cnn)["Cnn.".Length..];

            CliResult install = Dotnet(work, environment, "new", "install", templates, "--debug:custom-hive", hive);
            Assert.True(install.ExitCode == 0, install.ToString());
            CliResult create = Dotnet(work, environment, "new", "cnn-classifier", "-n", "MyClassifier", "-o", "MyClassifier", "--CnnVersion", version, "--debug:custom-hive", hive);
            Assert.True(create.ExitCode == 0, create.ToString());

            // Isolated from the repository's build files. Cnn comes from the local feed; the test
            // packages (the versions the repository uses) come from the machine's package folder as a
            // fallback folder, which the repository's own restore has filled, else from the machine's
            // usual sources. A Cnn of the same version already in that folder (a hand-made try of the
            // README's steps) would shadow the fresh one, so then the fallback is left out.
            bool fallback = Directory.Exists(globalPackages) && !Directory.Exists(Path.Combine(globalPackages, "cnn", version));
            File.WriteAllText(Path.Combine(work, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="cnn-local" value="{feed}" />
                  </packageSources>
                  {(fallback ? $"<fallbackPackageFolders><add key=\"machine\" value=\"{globalPackages}\" /></fallbackPackageFolders>" : "")}
                </configuration>
                """);
            foreach (string name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
                File.WriteAllText(Path.Combine(work, name), "<Project />\n");

            string solution = Path.Combine(work, "MyClassifier");
            string tests = Path.Combine(solution, "MyClassifier.Tests", "MyClassifier.Tests.csproj");
            CliResult build = Dotnet(solution, environment, "build", tests, "-c", "Release", "--disable-build-servers", "-nodeReuse:false");
            Assert.True(build.ExitCode == 0, build.ToString());

            string app = Path.Combine(solution, "MyClassifier", "bin", "Release", "net10.0", "MyClassifier.dll");
            CliResult help = Dotnet(solution, environment, app, "--help");
            Assert.True(help.ExitCode == 0, help.ToString());
            Assert.Contains("--synthetic <N>", help.Output);

            CliResult run = Dotnet(solution, environment, app, "--synthetic", "500", "--epochs", "1", "--batch-size", "50", "--out", "model.safetensors");
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("Total params: 421,642", run.Output);
            Assert.Contains("test accuracy", run.Output);
            Assert.True(File.Exists(Path.Combine(solution, "model.safetensors")), run.ToString());

            CliResult test = Dotnet(solution, environment, "test", tests, "-c", "Release", "--no-build");
            Assert.True(test.ExitCode == 0, test.ToString());
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
        if (arguments[0] is not ("pack" or "build")) log.WriteLine(result.Output);
        return result;
    }
}

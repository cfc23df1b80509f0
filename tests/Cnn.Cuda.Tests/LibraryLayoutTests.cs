using Cnn.Cuda.Interop;
using Xunit;

namespace Cnn.Cuda.Tests;

/// <summary>
/// Where pip's CUDA wheels are found, on fake directory trees laid out as a GPU image lays them out:
/// a virtual environment whose python3 is on PATH without VIRTUAL_ENV set, CUDA 13 wheels sharing
/// nvidia/cu13/lib, cuDNN in nvidia/cudnn/lib; and that the CUDA major cuDNN was built for wins.
/// </summary>
public sealed class LibraryLayoutTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cnn-cuda-layout").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string MakeDirectory(params string[] parts)
    {
        string path = Path.Combine([_root, .. parts]);
        Directory.CreateDirectory(path);
        return path;
    }

    private string MakeFile(string folder, string name, string content = "")
    {
        string path = Path.Combine(folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>A venv at ROOT/opt/torch/.venv with python3.12's site-packages holding the CUDA 13 wheels' layout.</summary>
    private (string Bin, string Site) MakeVenv()
    {
        string bin = MakeDirectory("opt", "torch", ".venv", "bin");
        MakeFile(bin, "python3");
        string site = MakeDirectory("opt", "torch", ".venv", "lib", "python3.12", "site-packages");
        MakeDirectory("opt", "torch", ".venv", "lib", "python3.12", "site-packages", "nvidia", "cu13", "lib");
        MakeDirectory("opt", "torch", ".venv", "lib", "python3.12", "site-packages", "nvidia", "cudnn", "lib");
        MakeDirectory("opt", "torch", ".venv", "lib", "python3.12", "site-packages", "nvidia", "nccl"); // no lib folder: not listed
        return (bin, site);
    }

    [Fact]
    public void PythonOnPath_WithoutVirtualEnv_ItsSitePackagesAreSearched()
    {
        (string bin, string site) = MakeVenv();
        var environment = new Dictionary<string, string?> { ["PATH"] = $"/nonexistent/bin:{bin}", ["HOME"] = MakeDirectory("home") };

        IReadOnlyList<string> roots = PythonSitePackages.LibraryRoots(name => environment.GetValueOrDefault(name));
        IReadOnlyList<string> folders = PythonSitePackages.NvidiaLibraryFolders(roots);

        Assert.Equal(Path.Combine(_root, "opt", "torch", ".venv", "lib"), roots[0]);
        Assert.Equal([Path.Combine(site, "nvidia", "cu13", "lib"), Path.Combine(site, "nvidia", "cudnn", "lib")], folders.Take(2));
        Assert.Equal(["/usr/local/lib", "/usr/lib"], roots.TakeLast(2));
    }

    [Fact]
    public void ActiveEnvironments_ComeFirst_ThenPath_ThenUserAndSystem_EachOnce()
    {
        (string bin, _) = MakeVenv();
        string conda = MakeDirectory("conda");
        string home = MakeDirectory("home");
        var environment = new Dictionary<string, string?>
        {
            ["VIRTUAL_ENV"] = Path.Combine(_root, "opt", "torch", ".venv"),
            ["CONDA_PREFIX"] = conda,
            ["PATH"] = $"{bin}:{bin}",
            ["HOME"] = home,
        };

        IReadOnlyList<string> roots = PythonSitePackages.LibraryRoots(name => environment.GetValueOrDefault(name));

        Assert.Equal(
            [Path.Combine(_root, "opt", "torch", ".venv", "lib"), Path.Combine(conda, "lib"), Path.Combine(home, ".local", "lib"), "/usr/local/lib", "/usr/lib"],
            roots);
    }

    [Fact]
    public void PythonLinkedFromElsewhere_ItsInstallationsLibIsSearchedToo()
    {
        string installation = MakeDirectory("python", "bin");
        string target = MakeFile(installation, "python3.12");
        string bin = MakeDirectory("usr-local-bin");
        File.CreateSymbolicLink(Path.Combine(bin, "python3"), target);

        IReadOnlyList<string> roots = PythonSitePackages.LibraryRoots(name => name == "PATH" ? bin : null);

        Assert.Contains(Path.Combine(_root, "python", "lib"), roots);
        Assert.Contains(Path.GetFullPath(Path.Combine(bin, "..", "lib")), roots);
    }

    /// <summary>A real shared object (libm) copied under a fake name, so that dlopen loads it.</summary>
    private static string? LoadableLibrary() =>
        new[] { "/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6", "/lib64/libm.so.6", "/usr/lib64/libm.so.6" }.FirstOrDefault(File.Exists);

    [Theory]
    [InlineData(13, "libcnn-test-blas.so.13")]
    [InlineData(12, "libcnn-test-blas.so.12")]
    [InlineData(null, "libcnn-test-blas.so.12")]
    public void BothMajorsPresent_TheOneOfTheCudaMajorLoads(int? cudaMajor, string expected)
    {
        string? library = LoadableLibrary();
        Assert.SkipWhen(library is null, "no libm.so.6 to stand in for a CUDA library");
        (_, string site) = MakeVenv();
        string cu13 = Path.Combine(site, "nvidia", "cu13", "lib");
        string cu12 = MakeDirectory("opt", "torch", ".venv", "lib", "python3.12", "site-packages", "nvidia", "cublas", "lib");
        File.Copy(library!, Path.Combine(cu12, "libcnn-test-blas.so.12"));
        File.Copy(library!, Path.Combine(cu13, "libcnn-test-blas.so.13"));
        var spec = new NativeLibrarySpec("cnn-test-blas", "a test BLAS", ["libcnn-test-blas.so.12", "libcnn-test-blas.so.13"], (_, _) => [], FollowsCudaMajor: true);

        bool loaded = NativeLibraryLocator.TryLoad(spec, null, [cu12, cu13], [], out _, out string? from, out string? failure, cudaMajor);

        Assert.True(loaded, failure);
        Assert.Equal(expected, Path.GetFileName(from));
    }

    [Fact]
    public void CompanionsInTheSameFolder_AreLoadedFirst()
    {
        string? library = LoadableLibrary();
        Assert.SkipWhen(library is null, "no libm.so.6 to stand in for a CUDA library");
        (_, string site) = MakeVenv();
        string cu13 = Path.Combine(site, "nvidia", "cu13", "lib");
        File.Copy(library!, Path.Combine(cu13, "libcnn-test-blas.so.13"));
        var asked = new List<string>();
        var spec = new NativeLibrarySpec("cnn-test-blas", "a test BLAS", ["libcnn-test-blas.so.13"], (folder, file) =>
        {
            asked.Add(Path.Combine(folder, file));
            return [Path.Combine(folder, "libcnn-test-blasLt.so." + NativeLibrarySpec.MajorOf(file))];
        });

        Assert.True(NativeLibraryLocator.TryLoad(spec, null, [cu13], [], out _, out _, out string? failure), failure);
        Assert.Equal([Path.Combine(cu13, "libcnn-test-blas.so.13")], asked);
    }
}

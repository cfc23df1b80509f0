using Cnn.Cuda.Interop;
using Cnn.Cuda.Native;
using Xunit;

namespace Cnn.Cuda.Tests;

/// <summary>How the NVIDIA libraries are found, and what a failure says. These need no GPU.</summary>
public class LibraryResolutionTests
{
    private static readonly NativeLibrarySpec Missing = new("missing", "a test library", ["libcnn-test-missing.so.7", "libcnn-test-missing.so.8"], (_, _) => []);

    [Fact]
    public void MissingLibrary_MessageListsEveryPlaceTriedInOrder()
    {
        string empty = Directory.CreateTempSubdirectory("cnn-cuda-empty").FullName;
        string sitePackages = Directory.CreateTempSubdirectory("cnn-cuda-site").FullName;
        try
        {
            bool loaded = NativeLibraryLocator.TryLoad(Missing, empty, [sitePackages], ["/nonexistent/cuda/lib64"], out _, out _, out string? failure);

            Assert.False(loaded);
            Assert.NotNull(failure);
            Assert.Contains("Cannot load a test library (libcnn-test-missing.so.7 or libcnn-test-missing.so.8)", failure);
            int overrideAt = failure!.IndexOf($"CNN_CUDA_LIBRARY_PATH entry '{empty}'", StringComparison.Ordinal);
            int loaderAt = failure.IndexOf("the dynamic loader's search path", StringComparison.Ordinal);
            int siteAt = failure.IndexOf($"Python site-packages folder '{sitePackages}'", StringComparison.Ordinal);
            int toolkitAt = failure.IndexOf("CUDA toolkit folder '/nonexistent/cuda/lib64'", StringComparison.Ordinal);
            Assert.True(overrideAt > 0, failure);
            Assert.True(loaderAt > overrideAt, failure);
            Assert.True(siteAt > loaderAt, failure);
            Assert.True(toolkitAt > siteAt, failure);
            Assert.Contains("libcnn-test-missing.so.7", failure[loaderAt..]);
            Assert.Contains("libcnn-test-missing.so.8", failure[loaderAt..]);
            Assert.Contains("set CNN_CUDA_LIBRARY_PATH to the folder that holds it", failure);
        }
        finally
        {
            Directory.Delete(empty, true);
            Directory.Delete(sitePackages, true);
        }
    }

    [Fact]
    public void UnsetOverrideAndNoPythonFolders_AreSaidSo()
    {
        NativeLibraryLocator.TryLoad(Missing, null, [], [], out _, out _, out string? failure);

        Assert.Contains("CNN_CUDA_LIBRARY_PATH: not set", failure);
        Assert.Contains("Python site-packages folders (", failure);
        Assert.Contains("/usr/lib/python3*/{site,dist}-packages/nvidia/*/lib", failure);
        Assert.Contains("/usr/local/lib/python3*/{site,dist}-packages/nvidia/*/lib", failure);
        Assert.Contains("/nvidia/*/lib): none exists", failure);
        Assert.Contains("CUDA toolkit folders (/usr/local/cuda/lib64", failure);
    }

    [Fact]
    public void OverrideListsSeveralFolders_EachIsTried()
    {
        string first = Directory.CreateTempSubdirectory("cnn-cuda-a").FullName, second = Directory.CreateTempSubdirectory("cnn-cuda-b").FullName;
        try
        {
            NativeLibraryLocator.TryLoad(Missing, first + Path.PathSeparator + second, [], [], out _, out _, out string? failure);
            Assert.Contains($"entry '{first}'", failure);
            Assert.Contains($"entry '{second}'", failure);
        }
        finally
        {
            Directory.Delete(first, true);
            Directory.Delete(second, true);
        }
    }

    [Fact]
    public void FileThatIsNotALibrary_IsReportedWithTheLoadersError()
    {
        string folder = Directory.CreateTempSubdirectory("cnn-cuda-bad").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "libcnn-test-missing.so.7"), "not an ELF file");
            bool loaded = NativeLibraryLocator.TryLoad(Missing, folder, [], [], out _, out _, out string? failure);
            Assert.False(loaded);
            Assert.Contains($"{Path.Combine(folder, "libcnn-test-missing.so.7")} exists but did not load", failure);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void EnvironmentOverride_PointedAtAnEmptyFolder_IsNamedByTheRealLookup()
    {
        string empty = Directory.CreateTempSubdirectory("cnn-cuda-env").FullName;
        string? saved = Environment.GetEnvironmentVariable(NativeLibraryLocator.PathVariable);
        try
        {
            Environment.SetEnvironmentVariable(NativeLibraryLocator.PathVariable, empty);
            bool found = NativeLibraryLocator.TryRequire(Missing, out _, out string? failure);
            Assert.False(found);
            Assert.Contains($"CNN_CUDA_LIBRARY_PATH entry '{empty}': no libcnn-test-missing.so.7 or libcnn-test-missing.so.8 there", failure);
        }
        finally
        {
            Environment.SetEnvironmentVariable(NativeLibraryLocator.PathVariable, saved);
            Directory.Delete(empty, true);
        }
    }

    [Fact]
    public void RealLibraries_AreLookedUpByVersionedName()
    {
        Assert.Equal(["libcuda.so.1"], NativeLibrarySpec.Driver.FileNames);
        Assert.Equal(["libcublas.so.12", "libcublas.so.13"], NativeLibrarySpec.Cublas.FileNames);
        Assert.Equal(["libcublas.so.13", "libcublas.so.12"], NativeLibrarySpec.Cublas.FileNamesFor(13));
        Assert.Equal(["libnvrtc.so.13", "libnvrtc.so.12"], NativeLibrarySpec.Nvrtc.FileNamesFor(13));
        Assert.Equal(["libnvrtc.so.12", "libnvrtc.so.13"], NativeLibrarySpec.Nvrtc.FileNamesFor(12));
        Assert.Equal(["libcudnn.so.9"], NativeLibrarySpec.Cudnn.FileNamesFor(13));
        Assert.Equal(["libcudnn.so.9"], NativeLibrarySpec.Cudnn.FileNames);
        Assert.Equal(["libnvrtc.so.12", "libnvrtc.so.13"], NativeLibrarySpec.Nvrtc.FileNames);
        Assert.Equal(["/lib/libcublasLt.so.13"], NativeLibrarySpec.Cublas.Companions("/lib", "libcublas.so.13"));
        Assert.Contains("/lib/libcudnn_ops.so.9", NativeLibrarySpec.Cudnn.Companions("/lib", "libcudnn.so.9"));
        Assert.Contains("/lib/libcudnn_cnn.so.9", NativeLibrarySpec.Cudnn.Companions("/lib", "libcudnn.so.9"));
    }
}

using System.Runtime.InteropServices;

namespace Cnn.Distributed.Tests;

/// <summary>
/// The library search that the MPI and NCCL locators share (the copy compiled into Cnn.Distributed.Nccl),
/// on a library made for the test: a copy of .NET's own libSystem.Native.so under a versioned name that no
/// system has, so that the dynamic loader cannot find it and only the place the test puts it can.
/// </summary>
public sealed class VersionedNativeLibraryTests : IDisposable
{
    private const string FileName = "libcnn-versioned-test.so.3";
    private const string Variable = "CNN_VERSIONED_TEST_LIBRARY_PATH";
    private readonly string _root = Directory.CreateTempSubdirectory("cnn-library-").FullName;

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(Variable, null);
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public void Candidates_AreTheOverrideEntriesThenTheBareNameThenTheFolders()
    {
        string[] candidates = VersionedNativeLibrary.Candidates(FileName, " /a : :/b/libx.so:/c/libx.so.3.1:", ["/d", "/e"]).ToArray();
        Assert.Equal(new[] { "/a/" + FileName, "/b/libx.so", "/c/libx.so.3.1", FileName, "/d/" + FileName, "/e/" + FileName }, candidates);
    }

    [Fact]
    public void TryLoad_WhenNowhere_FailsWithTheLocatorsExceptionListingEveryPlaceInOrder()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_root, "empty")).FullName;
        Environment.SetEnvironmentVariable(Variable, empty);
        var library = new VersionedNativeLibrary(FileName, Variable, () => [Path.Combine(_root, "absent")], tried => new InvalidDataException("not found; tried " + tried));

        Assert.False(library.TryLoad(out nint handle, out Exception? failure));
        Assert.Equal(nint.Zero, handle);
        string expected = $"not found; tried {Path.Combine(empty, FileName)}, {FileName}, {Path.Combine(_root, "absent", FileName)}";
        Assert.Equal(expected, Assert.IsType<InvalidDataException>(failure).Message);
        Assert.Equal(expected, Assert.Throws<InvalidDataException>(() => library.Require()).Message);
    }

    [Fact]
    public void TryLoad_FindsTheFileInTheOverrideOrInALaterFolder_AndKeepsTheHandle()
    {
        string inOverride = Place("override");
        Environment.SetEnvironmentVariable(Variable, $"{Path.Combine(_root, "absent")}:{inOverride}");
        var fromOverride = new VersionedNativeLibrary(FileName, Variable, () => [], NotExpected);
        Assert.True(fromOverride.TryLoad(out nint handle, out Exception? failure), failure?.Message);
        Assert.NotEqual(nint.Zero, handle);
        Assert.True(NativeLibrary.TryGetExport(handle, "SystemNative_GetPid", out _));

        // Loaded once: the override no longer matters.
        Environment.SetEnvironmentVariable(Variable, null);
        Assert.Equal(handle, fromOverride.Require());

        string inFolder = Place("folder");
        int searches = 0;
        var fromFolders = new VersionedNativeLibrary(FileName, Variable, () => { searches++; return [Path.Combine(_root, "absent"), inFolder]; }, NotExpected);
        Assert.NotEqual(nint.Zero, fromFolders.Require());
        Assert.NotEqual(nint.Zero, fromFolders.Require());
        Assert.Equal(1, searches);
    }

    /// <summary>Copies .NET's libSystem.Native.so to <c>_root/folder/FileName</c> and returns the folder.</summary>
    private string Place(string folder)
    {
        string target = Directory.CreateDirectory(Path.Combine(_root, folder)).FullName;
        File.Copy(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "libSystem.Native.so"), Path.Combine(target, FileName));
        return target;
    }

    private static Exception NotExpected(string tried) => new InvalidOperationException("Expected to load; tried " + tried);
}

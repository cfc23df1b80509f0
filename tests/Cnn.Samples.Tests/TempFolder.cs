namespace Cnn.Samples.Tests;

/// <summary>A temporary folder for one test's files, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Root = Directory.CreateTempSubdirectory("cnn-samples-tests-").FullName;

    public string Root { get; }

    /// <summary>The full path of <paramref name="relativePath"/>, with its folder created.</summary>
    public string PathOf(string relativePath)
    {
        string path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    /// <summary>Seeded random bytes.</summary>
    public static byte[] RandomBytes(int count, ulong seed)
    {
        var random = new SeededRandom(seed);
        var bytes = new byte[count];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)random.NextInt(256);
        return bytes;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

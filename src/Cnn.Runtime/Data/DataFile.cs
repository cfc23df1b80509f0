namespace Cnn.Data;

/// <summary>
/// Opens the loaders' data files, turning the file system's exceptions into the ones the loaders
/// document: a path that is missing or is a directory gives a <see cref="FileNotFoundException"/>,
/// a file that cannot be read (permissions, an I/O error) a <see cref="DataFormatException"/>; each
/// names the path.
/// </summary>
internal static class DataFile
{
    /// <summary>Opens <paramref name="path"/> for sequential reading.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">What the file should be, for messages, e.g. "IDX file".</param>
    public static FileStream OpenRead(string path, string what)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException && Directory.Exists(path))
        {
            // Linux reports opening a directory as access denied, which sends people after permissions.
            throw new FileNotFoundException($"'{path}' is a directory, not a file; expected the {what}.", path, e);
        }
        catch (FileNotFoundException)
        {
            throw;
        }
        catch (DirectoryNotFoundException e)
        {
            throw new FileNotFoundException($"Could not find the {what} '{path}': its folder does not exist.", path, e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw ReadError(path, 0, e);
        }
    }

    /// <summary>The error for an I/O failure while reading <paramref name="path"/> at <paramref name="offset"/>.</summary>
    public static DataFormatException ReadError(string path, long offset, Exception e) =>
        new(path, offset, $"the file cannot be read ({e.GetType().Name}: {e.Message})", e);
}

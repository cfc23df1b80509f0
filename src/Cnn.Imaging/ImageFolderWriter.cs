using System.Globalization;
using Cnn.Data;

namespace Cnn.Imaging;

/// <summary>
/// Writes an in-memory <see cref="ImageDataset"/> as a tree of PNG files with one folder per class,
/// <c>DIRECTORY/&lt;class&gt;/&lt;index&gt;.png</c>, that <see cref="ImageFolderDataset"/> (or
/// torchvision's <c>ImageFolder</c>) reads back.
/// </summary>
/// <remarks>
/// Every class gets a folder, so that labels keep their order; with a limit some may stay empty, and
/// reading the tree back then needs <see cref="ImageFolderOptions.AllowEmptyClasses"/> (torchvision's
/// <c>allow_empty=True</c>).
/// </remarks>
public static class ImageFolderWriter
{
    /// <summary>
    /// Writes samples [0, <paramref name="limit"/>) of <paramref name="dataset"/> under
    /// <paramref name="directory"/>, each as <c>&lt;class folder&gt;/&lt;index&gt;.png</c> with the index
    /// zero-padded to the width of the largest, so that ordinal file order is sample order.
    /// </summary>
    /// <param name="dataset">One- or three-channel image samples with values in [0, 1].</param>
    /// <param name="directory">The root of the tree; created if needed.</param>
    /// <param name="limit">Write at most this many samples, from the start.</param>
    /// <param name="progress">Told the number of files written so far, every 1000 files and at the end.</param>
    /// <returns>The number of files written.</returns>
    public static int Write(ImageDataset dataset, string directory, int? limit = null, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (dataset.SampleShape.IsFlat || dataset.SampleShape.Channels is not (1 or 3))
            throw new ArgumentException($"Samples of shape {dataset.SampleShape} are not 1- or 3-channel images.", nameof(dataset));
        int count = Math.Min(dataset.Count, limit ?? int.MaxValue);
        if (count < 0)
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit must not be negative.");

        string[] folders = ClassFolderNames(dataset.ClassNames);
        foreach (string folder in folders)
            Directory.CreateDirectory(Path.Combine(directory, folder));

        int digits = Math.Max(1, (count - 1).ToString(CultureInfo.InvariantCulture).Length);
        TensorShape shape = dataset.SampleShape;
        int written = 0;
        Parallel.For(0, count, () => new float[shape.Size], (i, _, buffer) =>
        {
            dataset.GetImage(i).CopyTo(buffer);
            string name = i.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0') + ".png";
            PngWriter.Write(Path.Combine(directory, folders[dataset.GetLabel(i)], name), new ImageTensor(buffer, shape.Channels, shape.Height, shape.Width));
            int done = Interlocked.Increment(ref written);
            if (done % 1000 == 0)
                progress?.Report(done);
            return buffer;
        }, _ => { });
        progress?.Report(count);
        return count;
    }

    /// <summary>
    /// Folder names for <paramref name="classNames"/>: each name with path separators and characters
    /// that are invalid in file names replaced by '_' ("T-shirt/top" → "T-shirt_top").
    /// </summary>
    /// <exception cref="ArgumentException">Two classes map to the same folder, or a name is empty or "." or "..".</exception>
    public static string[] ClassFolderNames(IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        var names = new string[classNames.Count];
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            string name = SafeFolderName(classNames[i]);
            if (seen.TryGetValue(name, out int other))
                throw new ArgumentException($"Classes {other} ('{classNames[other]}') and {i} ('{classNames[i]}') would share the folder '{name}'.", nameof(classNames));
            seen.Add(name, i);
            names[i] = name;
        }
        return names;
    }

    /// <summary>A file-system-safe folder name for <paramref name="className"/>, the same on every OS.</summary>
    public static string SafeFolderName(string className)
    {
        ArgumentNullException.ThrowIfNull(className);
        // The union of Windows's and Unix's forbidden characters, so a tree written here copies anywhere.
        const string forbidden = "/\\:*?\"<>|";
        char[] chars = className.Trim().ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (forbidden.Contains(chars[i]) || char.IsControl(chars[i]))
                chars[i] = '_';
        }
        string name = new(chars);
        if (name.Length == 0 || name == "." || name == "..")
            throw new ArgumentException($"The class name '{className}' cannot be a folder name.", nameof(className));
        return name;
    }
}

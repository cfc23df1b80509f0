using System.Runtime.ExceptionServices;
using System.Text;

namespace Cnn.Data;

/// <summary>
/// Labelled images stored one sub-folder per class, as torchvision's <c>ImageFolder</c> and Keras's
/// <c>image_dataset_from_directory</c> read them:
/// <code>
/// root/cat/0001.jpg
/// root/cat/more/0002.png   (files in nested folders belong to the class too)
/// root/dog/0001.jpg
/// </code>
/// Files are only listed when the data set is opened; each is decoded when a loader asks for it
/// (<see cref="Load"/>), so that data sets far larger than memory (Food-101, ImageNet) can be used.
/// </summary>
/// <remarks>
/// <para>Ordering: classes are the sub-folder names sorted ordinally (or <see cref="ImageFolderOptions.ClassNames"/>);
/// within a class, files are sorted ordinally by their path relative to the class folder, with '/'
/// separators. Names starting with '.' (hidden files, <c>.ipynb_checkpoints</c>) are ignored.</para>
/// <para>Split: stratified per class. Each file is ranked by a hash of (seed, its path relative to the
/// root) and the <c>round(fraction × n)</c> lowest of a class's n files go to validation (halves
/// round up). The two subsets never share a file, each holds every class in proportion, and a file's
/// side depends only on the seed, its path and its class's file count: never on the machine, the
/// file system's listing order, or which other classes exist. The split is made on the listed paths,
/// before any file is verified, so bad files do not move others between subsets.</para>
/// <para>Bad files: with <see cref="BadImagePolicy.Fail"/> the first bad file (in sample order) throws
/// an <see cref="ImageDecodeException"/> naming it; with <see cref="BadImagePolicy.Skip"/> it is
/// left out and listed in <see cref="SkippedImages"/> with the reason. Files found bad at open time
/// are removed from the samples; a file that passes the check at open time but fails later (e.g. a
/// truncated JPEG under <see cref="ImageVerification.Header"/>) makes <see cref="Load"/> return null,
/// and loaders drop it from its batch.</para>
/// </remarks>
public sealed class ImageFolderDataset : IImageSource
{
    private const ulong SplitDomain = 0x5350_4C49_5446_4F4C; // "SPLITFOL"

    private readonly string[] _paths;
    private readonly int[] _labels;
    private readonly List<SkippedImage> _skipped = [];
    private readonly HashSet<string> _skippedPaths = new(StringComparer.Ordinal);

    /// <summary>Lists (and by default verifies the headers of) the images under <paramref name="root"/>.</summary>
    /// <param name="root">The folder holding one sub-folder per class.</param>
    /// <param name="decoder">Decodes the files, e.g. <c>Cnn.Imaging.SkiaImageDecoder.Shared</c>.</param>
    /// <param name="options">How to read the tree; null takes the defaults.</param>
    /// <exception cref="DirectoryNotFoundException">The root does not exist, or is a file.</exception>
    /// <exception cref="InvalidDataException">
    /// The root has no class sub-folders, a class folder holds no image files (unless
    /// <see cref="ImageFolderOptions.AllowEmptyClasses"/>), or the folders do not match
    /// <see cref="ImageFolderOptions.ClassNames"/>.
    /// </exception>
    /// <exception cref="ImageDecodeException">A file fails verification under <see cref="BadImagePolicy.Fail"/>.</exception>
    /// <exception cref="ArgumentException">The options are inconsistent (e.g. a subset without a fraction in (0, 1)).</exception>
    public ImageFolderDataset(string root, IImageDecoder decoder, ImageFolderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(decoder);
        options ??= new ImageFolderOptions();
        CheckOptions(options);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException(File.Exists(root)
                ? $"The image folder '{root}' is a file; pass the folder that holds one sub-folder per class."
                : $"The image folder '{root}' does not exist.");
        }

        Root = Path.GetFullPath(root);
        Decoder = decoder;
        Options = options;
        ClassNames = Array.AsReadOnly(FindClasses(Root, options.ClassNames));

        var paths = new List<string>();
        var labels = new List<int>();
        var empty = new List<string>();
        var listed = new string[ClassNames.Count][];
        for (int label = 0; label < ClassNames.Count; label++)
        {
            listed[label] = ListImages(Path.Combine(Root, ClassNames[label]), options.Extensions);
            if (listed[label].Length == 0)
                empty.Add(Path.Combine(Root, ClassNames[label]));
        }
        if (empty.Count > 0 && !options.AllowEmptyClasses)
        {
            // torchvision's ImageFolder refuses this too: a class without samples cannot be learnt,
            // and a folder that should hold images but does not is usually a mistake in the tree.
            throw new InvalidDataException(
                $"The class folder{(empty.Count == 1 ? "" : "s")} {string.Join(", ", empty.Select(f => $"'{f}'"))} " +
                $"hold{(empty.Count == 1 ? "s" : "")} no image files ({string.Join(", ", options.Extensions)}); " +
                "add images, remove the folder, or set ImageFolderOptions.AllowEmptyClasses.");
        }

        for (int label = 0; label < ClassNames.Count; label++)
        {
            string classFolder = Path.Combine(Root, ClassNames[label]);
            foreach (string relative in SelectSubset(listed[label], ClassNames[label], options))
            {
                paths.Add(Path.Combine(classFolder, relative));
                labels.Add(label);
            }
        }

        bool[] keep = Verify(paths, options);
        _paths = paths.Where((_, i) => keep[i]).ToArray();
        _labels = labels.Where((_, i) => keep[i]).ToArray();
    }

    /// <summary>
    /// Opens the training and validation subsets of one seeded, stratified split, as Keras's
    /// <c>image_dataset_from_directory(validation_split=…, subset="both", seed=…)</c>.
    /// </summary>
    /// <param name="root">The folder holding one sub-folder per class.</param>
    /// <param name="decoder">Decodes the files.</param>
    /// <param name="validationFraction">The fraction of each class that goes to validation, in (0, 1), e.g. 0.2.</param>
    /// <param name="seed">The seed of the split.</param>
    /// <param name="options">Other options; their subset, fraction and seed are replaced.</param>
    public static (ImageFolderDataset Training, ImageFolderDataset Validation) OpenSplit(
        string root, IImageDecoder decoder, double validationFraction, ulong seed, ImageFolderOptions? options = null)
    {
        options ??= new ImageFolderOptions();
        options = options with { ValidationFraction = validationFraction, SplitSeed = seed };
        var training = new ImageFolderDataset(root, decoder, options with { Subset = ImageFolderSubset.Training });
        var validation = new ImageFolderDataset(root, decoder, options with { Subset = ImageFolderSubset.Validation, ClassNames = training.ClassNames });
        return (training, validation);
    }

    /// <summary>The full path of the root folder.</summary>
    public string Root { get; }

    /// <summary>The decoder of the files.</summary>
    public IImageDecoder Decoder { get; }

    /// <summary>The options the data set was opened with.</summary>
    public ImageFolderOptions Options { get; }

    /// <summary>The class names (sub-folder names), indexed by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The number of classes.</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>The number of samples: image files of the subset, less those skipped when opening.</summary>
    public int Count => _paths.Length;

    /// <summary>The full paths of the samples, in sample order.</summary>
    public IReadOnlyList<string> Paths => _paths;

    /// <summary>The files left out under <see cref="BadImagePolicy.Skip"/>, with the reasons; those found while loading are added as loaders reach them.</summary>
    public IReadOnlyList<SkippedImage> SkippedImages
    {
        get
        {
            lock (_skipped)
                return _skipped.ToArray();
        }
    }

    /// <summary>The number of files left out so far.</summary>
    public int SkippedCount
    {
        get
        {
            lock (_skipped)
                return _skipped.Count;
        }
    }

    /// <summary>The full path of sample <paramref name="index"/>.</summary>
    public string GetPath(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return _paths[index];
    }

    /// <inheritdoc/>
    public int GetLabel(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return _labels[index];
    }

    /// <summary>The number of samples of each class, indexed by label.</summary>
    public int[] CountPerClass()
    {
        var counts = new int[ClassCount];
        foreach (int label in _labels)
            counts[label]++;
        return counts;
    }

    /// <summary>
    /// Decodes sample <paramref name="index"/> as C×H×W values in [0, 1]. Thread-safe. Returns null
    /// when the file cannot be decoded under <see cref="BadImagePolicy.Skip"/>, after recording it.
    /// </summary>
    /// <exception cref="ImageDecodeException">The file cannot be decoded under <see cref="BadImagePolicy.Fail"/>.</exception>
    public ImageTensor? Load(int index)
    {
        string path = GetPath(index);
        try
        {
            return Decoder.Decode(path, Options.ColorMode);
        }
        catch (ImageDecodeException e) when (Options.BadImages == BadImagePolicy.Skip)
        {
            RecordSkipped(path, e.Reason);
            return null;
        }
    }

    /// <inheritdoc/>
    public string Describe(int index) => $"'{GetPath(index)}'";

    /// <summary>
    /// Decodes every sample into an in-memory <see cref="ImageDataset"/> (for small data sets and for
    /// <c>Trainer.Fit</c>), applying <paramref name="transform"/> with a generator seeded by the sample index.
    /// Samples skipped under <see cref="BadImagePolicy.Skip"/> are left out.
    /// </summary>
    /// <exception cref="InvalidDataException">The samples differ in shape (add a <c>Resize</c>), or none could be decoded.</exception>
    /// <exception cref="ImageDecodeException">
    /// A file cannot be decoded under <see cref="BadImagePolicy.Fail"/>: the first such file in sample order.
    /// </exception>
    public ImageDataset ToImageDataset(Transforms.IImageTransform? transform = null)
    {
        var images = new ImageTensor?[Count];
        var errors = new Exception?[Count];
        Parallel.For(0, Count, (i, loop) =>
        {
            try
            {
                ImageTensor? image = Load(i);
                if (image is not null && transform is not null)
                {
                    var random = SeededRandom.ForStream(0, (ulong)i);
                    image = transform.Apply(image, ref random);
                }
                images[i] = image;
            }
            catch (Exception e)
            {
                // Break, unlike Stop, still runs every lower index, so the error thrown is the first
                // in sample order whatever the scheduling; and it is thrown as itself, not wrapped
                // in an AggregateException.
                errors[i] = e;
                loop.Break();
            }
        });
        if (Array.Find(errors, e => e is not null) is { } error)
            ExceptionDispatchInfo.Throw(error);

        int first = Array.FindIndex(images, image => image is not null);
        if (first < 0)
            throw new InvalidDataException($"None of the {Count} images under '{Root}' could be decoded.");
        TensorShape shape = images[first]!.Shape;
        int kept = 0;
        for (int i = 0; i < Count; i++)
        {
            if (images[i] is not { } image)
                continue;
            if (image.Shape != shape)
            {
                throw new InvalidDataException(
                    $"'{_paths[i]}' is {image.Shape} but '{_paths[first]}' is {shape}; an in-memory data set needs one shape, so pass a Resize transform.");
            }
            kept++;
        }

        var pixels = new float[(long)kept * shape.Size];
        var labels = new int[kept];
        int n = 0;
        for (int i = 0; i < Count; i++)
        {
            if (images[i] is not { } image)
                continue;
            image.Data.CopyTo(pixels, (long)n * shape.Size);
            labels[n++] = _labels[i];
        }
        return new ImageDataset(pixels, labels, shape, ClassNames);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"ImageFolderDataset('{Root}', {Options.Subset}, {Count} images, {ClassCount} classes, {SkippedCount} skipped)";

    private void RecordSkipped(string path, string reason)
    {
        lock (_skipped)
        {
            if (_skippedPaths.Add(path))
                _skipped.Add(new SkippedImage(path, reason));
        }
    }

    private static void CheckOptions(ImageFolderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options.Extensions);
        double fraction = options.ValidationFraction;
        if (options.Subset == ImageFolderSubset.All)
        {
            if (fraction != 0)
                throw new ArgumentException($"A validation fraction ({fraction}) needs Subset = Training or Validation, or use ImageFolderDataset.OpenSplit.", nameof(options));
        }
        else if (!(fraction > 0 && fraction < 1))
        {
            throw new ArgumentException($"Subset {options.Subset} needs a ValidationFraction in (0, 1); got {fraction}.", nameof(options));
        }
    }

    private static string[] FindClasses(string root, IReadOnlyList<string>? requested)
    {
        string[] found = Directory.EnumerateDirectories(root)
            .Select(Path.GetFileName)
            .Where(name => !string.IsNullOrEmpty(name) && name[0] != '.')
            .Select(name => name!)
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (found.Length == 0)
            throw new InvalidDataException($"The image folder '{root}' has no class sub-folders; put each class's images in a sub-folder named after the class.");
        if (requested is null)
            return found;

        string[] missing = requested.Except(found, StringComparer.Ordinal).ToArray();
        string[] extra = found.Except(requested, StringComparer.Ordinal).ToArray();
        if (missing.Length > 0 || extra.Length > 0 || requested.Count != found.Length)
        {
            throw new InvalidDataException(
                $"The class names given do not match the sub-folders of '{root}': " +
                $"missing folders [{string.Join(", ", missing)}], unlisted folders [{string.Join(", ", extra)}]" +
                (requested.Count != requested.Distinct(StringComparer.Ordinal).Count() ? ", and a name is repeated." : "."));
        }
        return [.. requested];
    }

    /// <summary>The image files under <paramref name="classFolder"/>, as '/'-separated relative paths sorted ordinally.</summary>
    private static string[] ListImages(string classFolder, IReadOnlyList<string> extensions)
    {
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System, // names starting with '.' on Unix
            IgnoreInaccessible = false,
        };
        return Directory.EnumerateFiles(classFolder, "*", options)
            .Where(path => extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase))
            .Select(path => Path.GetRelativePath(classFolder, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>The files of one class that belong to the chosen subset, in their sorted order.</summary>
    private static IEnumerable<string> SelectSubset(string[] files, string className, ImageFolderOptions options)
    {
        if (options.Subset == ImageFolderSubset.All)
            return files;
        int validationCount = (int)Math.Round(files.Length * options.ValidationFraction, MidpointRounding.AwayFromZero);
        var validation = files
            .Select((file, i) => (Rank: SplitRank(options.SplitSeed, className + "/" + file), Index: i))
            .OrderBy(entry => entry.Rank)
            .ThenBy(entry => entry.Index)
            .Take(validationCount)
            .Select(entry => entry.Index)
            .ToHashSet();
        bool wantValidation = options.Subset == ImageFolderSubset.Validation;
        return files.Where((_, i) => validation.Contains(i) == wantValidation);
    }

    /// <summary>FNV-1a over the UTF-8 path, keyed and finished by SplitMix64: the same on every platform.</summary>
    internal static ulong SplitRank(ulong seed, string relativePath)
    {
        ulong hash = 0xCBF2_9CE4_8422_2325UL ^ Mix(seed ^ SplitDomain);
        foreach (byte b in Encoding.UTF8.GetBytes(relativePath))
            hash = (hash ^ b) * 0x0000_0100_0000_01B3UL;
        return Mix(hash);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Checks the files as <see cref="ImageFolderOptions.Verification"/> says; false marks a skipped file.</summary>
    private bool[] Verify(List<string> paths, ImageFolderOptions options)
    {
        var keep = new bool[paths.Count];
        if (options.Verification == ImageVerification.None)
        {
            keep.AsSpan().Fill(true);
            return keep;
        }

        var errors = new ImageDecodeException?[paths.Count];
        Parallel.For(0, paths.Count, i =>
        {
            try
            {
                if (options.Verification == ImageVerification.Full)
                    Decoder.Decode(paths[i], options.ColorMode);
                else
                    Decoder.Identify(paths[i]);
            }
            catch (ImageDecodeException e)
            {
                errors[i] = e;
            }
        });

        for (int i = 0; i < paths.Count; i++)
        {
            if (errors[i] is not { } error)
            {
                keep[i] = true;
                continue;
            }
            if (options.BadImages == BadImagePolicy.Fail)
            {
                int others = errors.Count(e => e is not null) - 1;
                throw others == 0 ? error : new ImageDecodeException(error.FilePath,
                    $"{error.Reason} ({others} more file(s) under '{Root}' fail too; BadImagePolicy.Skip leaves them out and lists them)", error);
            }
            RecordSkipped(paths[i], error.Reason);
        }
        return keep;
    }
}

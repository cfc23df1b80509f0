namespace Cnn.Data;

/// <summary>How <see cref="ImageFolderDataset"/> reads a folder tree.</summary>
public sealed record ImageFolderOptions
{
    /// <summary>The file extensions taken as images, compared case-insensitively.</summary>
    public static IReadOnlyList<string> DefaultExtensions { get; } = Array.AsReadOnly([".png", ".jpg", ".jpeg", ".bmp"]);

    /// <summary>Three-channel RGB (the default) or one-channel greyscale samples.</summary>
    public ImageColorMode ColorMode { get; init; } = ImageColorMode.Rgb;

    /// <summary>Whether a file that cannot be decoded stops the program (the default) or is skipped and recorded.</summary>
    public BadImagePolicy BadImages { get; init; } = BadImagePolicy.Fail;

    /// <summary>How much of each file is checked when the data set is opened (the header, by default).</summary>
    public ImageVerification Verification { get; init; } = ImageVerification.Header;

    /// <summary>
    /// The class names in label order, as Keras's <c>class_names</c>; they must be exactly the
    /// sub-folder names. Null (the default) sorts the sub-folder names ordinally.
    /// </summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>
    /// Whether a class folder without image files is accepted as a class with no samples, as
    /// torchvision's <c>allow_empty=True</c>. False by default: such a folder is an error naming it,
    /// as in torchvision, since it is usually a mistake that silently shifts nothing but wastes a class.
    /// A tree written by <c>ImageFolderWriter</c> with a limit can have empty classes; read it with true.
    /// </summary>
    public bool AllowEmptyClasses { get; init; }

    /// <summary>Which part of a seeded training/validation split to open (all files by default).</summary>
    public ImageFolderSubset Subset { get; init; } = ImageFolderSubset.All;

    /// <summary>The fraction of each class's files that goes to the validation subset, in (0, 1) when a subset is chosen.</summary>
    public double ValidationFraction { get; init; }

    /// <summary>The seed of the split; the same seed gives the same split on every machine.</summary>
    public ulong SplitSeed { get; init; }

    /// <summary>The file extensions taken as images (with the dot), compared case-insensitively.</summary>
    public IReadOnlyList<string> Extensions { get; init; } = DefaultExtensions;
}

/// <summary>Which files of an image folder a data set holds.</summary>
public enum ImageFolderSubset
{
    /// <summary>Every image file.</summary>
    All,

    /// <summary>The files not chosen for validation.</summary>
    Training,

    /// <summary>The <see cref="ImageFolderOptions.ValidationFraction"/> of each class chosen by the seeded split.</summary>
    Validation,
}

/// <summary>How much of each image is checked when an <see cref="ImageFolderDataset"/> is opened.</summary>
public enum ImageVerification
{
    /// <summary>Nothing: bad files are found only when a loader decodes them.</summary>
    None,

    /// <summary>Each file's header (format and size): cheap, and catches files that are not images at all.</summary>
    Header,

    /// <summary>Each whole file is decoded once: slow, but every bad file is found before training starts.</summary>
    Full,
}

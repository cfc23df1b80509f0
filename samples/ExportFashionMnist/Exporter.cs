using System.Diagnostics;
using System.Globalization;
using Cnn.Data;
using Cnn.Imaging;

namespace ExportFashionMnist;

/// <summary>
/// Exports Fashion-MNIST as a PNG class-folder tree, <c>OUT/train/&lt;class&gt;/&lt;index&gt;.png</c> and
/// <c>OUT/test/&lt;class&gt;/&lt;index&gt;.png</c>, so that the image-folder pipeline (and torchvision's
/// <c>ImageFolder</c>) can be tried on a data set whose in-memory loader gives the reference pixels.
/// </summary>
public static class Exporter
{
    /// <summary>The usage text.</summary>
    public const string Usage =
        "Usage: ExportFashionMnist --out DIR [--data DIR] [--limit N]\n" +
        "  --out DIR    where to write train/<class>/<index>.png and test/<class>/<index>.png\n" +
        $"  --data DIR   the Fashion-MNIST IDX files (default {FashionMnist.DefaultDirectory})\n" +
        "  --limit N    export at most N images of each split";

    /// <summary>Runs the command with <paramref name="args"/>; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        string? outDirectory = null;
        string data = FashionMnist.DefaultDirectory;
        int? limit = null;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help")
            {
                output.WriteLine(Usage);
                return 0;
            }
            if (i + 1 >= args.Length || arg is not ("--out" or "--data" or "--limit"))
            {
                error.WriteLine(arg is "--out" or "--data" or "--limit" ? $"{arg} needs a value." : $"Unknown argument '{arg}'.");
                error.WriteLine(Usage);
                return 2;
            }
            string value = args[++i];
            switch (arg)
            {
                case "--out":
                    outDirectory = value;
                    break;
                case "--data":
                    data = value;
                    break;
                default:
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                    {
                        error.WriteLine($"--limit takes a non-negative whole number; got '{value}'.");
                        return 2;
                    }
                    limit = n;
                    break;
            }
        }
        if (outDirectory is null)
        {
            error.WriteLine("--out DIR is required.");
            error.WriteLine(Usage);
            return 2;
        }

        try
        {
            foreach ((string split, bool train) in new[] { ("train", true), ("test", false) })
            {
                var clock = Stopwatch.StartNew();
                ImageDataset dataset = FashionMnist.Load(data, train, limit);
                string target = Path.Combine(outDirectory, split);
                int written = ImageFolderWriter.Write(dataset, target, limit);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{split}: {written} images in {dataset.ClassCount} class folders under {target} ({clock.Elapsed.TotalSeconds:F1} s)"));
            }
            return 0;
        }
        catch (Exception e) when (e is FileNotFoundException or DataFormatException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine(e.Message);
            return 1;
        }
    }
}

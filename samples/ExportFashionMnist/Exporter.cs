using System.CommandLine;
using System.CommandLine.Invocation;
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
    /// <summary>Runs the command with <paramref name="args"/>; returns the process exit code (0 done, 1 failed, 2 bad arguments).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var outDirectory = new Option<string>("--out") { Description = "Where to write train/<class>/<index>.png and test/<class>/<index>.png", HelpName = "DIR", Required = true };
        var data = new Option<string>("--data") { Description = "The Fashion-MNIST IDX files", HelpName = "DIR", DefaultValueFactory = _ => FashionMnist.DefaultDirectory };
        var limit = new Option<int?>("--limit") { Description = "Export at most N images of each split", HelpName = "N", CustomParser = result => OptionValues.NonNegative(result) };
        var command = new RootCommand("Exports Fashion-MNIST as a PNG class-folder tree, for the image-folder pipeline (and torchvision's ImageFolder).")
        {
            outDirectory, data, limit,
        };
        command.SetAction(result => Export(result.GetRequiredValue(outDirectory), result.GetRequiredValue(data), result.GetValue(limit), output, error));
        ParseResult parsed = command.Parse(args);
        int exit = parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
        // System.CommandLine exits with 1 on a parse error; this command keeps 1 for a failed export.
        return parsed.Action is ParseErrorAction ? 2 : exit;
    }

    private static int Export(string outDirectory, string data, int? limit, TextWriter output, TextWriter error)
    {
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

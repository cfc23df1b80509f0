using System.Text.Json;
using Cnn.Imaging;
using ImageFolderSample;
using Xunit;

namespace Cnn.Samples.Tests;

/// <summary>The ImageFolder sample end to end, on small generated PNG trees (seconds, not a real training run).</summary>
public sealed class ImageFolderSampleTests : IDisposable
{
    private readonly TempFolder _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>Writes <paramref name="perClass"/> random PNGs into each class folder under <paramref name="folder"/>.</summary>
    private string WriteTree(string folder, string[] classes, int perClass, int width = 28, int height = 28, int channels = 1)
    {
        ulong seed = (ulong)folder.Length;
        foreach (string name in classes)
        {
            for (int i = 0; i < perClass; i++)
                PngWriter.Write(_files.PathOf($"{folder}/{name}/{i:00}.png"), TempFolder.RandomBytes(width * height * channels, seed++), width, height, channels);
        }
        return Path.Combine(_files.Root, folder);
    }

    private static (int Exit, string Output, string Error) Run(params string[] args) => Run(CancellationToken.None, args);

    private static (int Exit, string Output, string Error) Run(CancellationToken token, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = ImageFolderApp.Run(args, output, error, token);
        return (exit, output.ToString(), error.ToString());
    }

    private static JsonElement ReadReport(string outDirectory) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(outDirectory, TrainCommand.ReportFileName))).RootElement;

    [Fact]
    public void Train_WritesModelHistoryReportAndPictures_AndPredictReadsTheModel()
    {
        string data = WriteTree("data", ["bird", "cat", "dog"], perClass: 8);
        string outDirectory = Path.Combine(_files.Root, "run");

        var (exit, output, error) = Run("train", data, "--size", "28", "--grayscale", "--epochs", "2", "--batch-size", "8", "--validation", "0.25", "--out", outDirectory);

        Assert.True(exit == 0, error);
        Assert.Contains("3 classes", output);
        Assert.Contains("18 training images, 6 validation images", output);
        Assert.Contains("skipped 0 unreadable file(s)", output);
        Assert.Contains("CatsVsDogs28Gray10 has 10 outputs for 3 classes", output);
        Assert.Contains("confusion matrix on the validation images", output);
        Assert.Matches(@"input pipeline: training waited \d+\.\d\d s for \d+ of 6 batches", output); // 2 epochs of 3 batches
        foreach (string file in new[] { TrainCommand.ModelFileName, TrainCommand.HistoryCsvFileName, TrainCommand.HistoryJsonFileName,
            TrainCommand.CurvesFileName, TrainCommand.ConfusionFileName, TrainCommand.FeatureMapsFileName })
        {
            Assert.True(new FileInfo(Path.Combine(outDirectory, file)).Length > 0, $"{file} is missing or empty");
        }
        Assert.Equal(2, Cnn.Training.HistoryFile.ReadCsv(Path.Combine(outDirectory, TrainCommand.HistoryCsvFileName)).Count);
        JsonElement report = ReadReport(outDirectory);
        Assert.Equal("CatsVsDogs28Gray10", report.GetProperty("architecture").GetString());
        Assert.Equal(["bird", "cat", "dog"], report.GetProperty("class_names").EnumerateArray().Select(e => e.GetString()));
        Assert.InRange(report.GetProperty("confusion_matrix_accuracy").GetDouble(), 0, 1);
        Assert.InRange(report.GetProperty("train_waited_for_data_seconds").GetDouble(), 0, report.GetProperty("seconds").GetDouble());
        Assert.Equal(["bird", "cat", "dog"], Cnn.IO.ModelFile.ReadMetadata(Path.Combine(outDirectory, TrainCommand.ModelFileName)).ClassNames);

        var (predictExit, prediction, predictError) = Run("predict", Path.Combine(outDirectory, TrainCommand.ModelFileName), Path.Combine(data, "cat", "00.png"), "--top", "2");

        Assert.True(predictExit == 0, predictError);
        string[] lines = prediction.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length); // the heading and the top two
        Assert.All(lines[1..], line => Assert.Matches(@"^\s+(bird|cat|dog)\s+\d+\.\d\d %$", line.TrimEnd('\r')));
    }

    [Fact]
    public void Train_ColourImagesOfAnySize_AreResizedAndTestFolderIsEvaluated()
    {
        string data = WriteTree("train", ["a", "b"], perClass: 6, width: 40, height: 30, channels: 3);
        string test = WriteTree("test", ["a", "b"], perClass: 3, width: 20, height: 50, channels: 3);
        string outDirectory = Path.Combine(_files.Root, "run");

        var (exit, output, error) = Run("train", data, "--size", "28", "--epochs", "1", "--batch-size", "4", "--validation", "0", "--test", test, "--out", outDirectory);

        Assert.True(exit == 0, error);
        Assert.Contains("the test folder is evaluated after each epoch", output);
        Assert.Contains("test accuracy", output);
        JsonElement report = ReadReport(outDirectory);
        Assert.Equal("CatsVsDogs28Rgb2", report.GetProperty("architecture").GetString());
        Assert.Equal(6, report.GetProperty("test_images").GetInt32());
        Assert.InRange(report.GetProperty("test_accuracy").GetDouble(), 0, 1);
        Assert.True(File.Exists(Path.Combine(outDirectory, TrainCommand.ConfusionFileName)));
    }

    [Fact]
    public void CorruptImage_Skip_TrainingGoesOnAndReportsTheFile()
    {
        string data = WriteTree("data", ["a", "b"], perClass: 6);
        string bad = _files.PathOf("data/b/corrupt.png");
        File.WriteAllBytes(bad, TempFolder.RandomBytes(200, seed: 99));
        string outDirectory = Path.Combine(_files.Root, "run");

        var (exit, output, error) = Run("train", data, "--size", "28", "--grayscale", "--epochs", "1", "--batch-size", "4", "--bad-images", "skip", "--out", outDirectory);

        Assert.True(exit == 0, error);
        Assert.Contains("skipped 1 unreadable file(s) while opening", output);
        Assert.Contains("skipped 1 unreadable file(s) in total", output);
        Assert.Contains($"skipped '{bad}'", output);
        JsonElement skipped = Assert.Single(ReadReport(outDirectory).GetProperty("skipped_files").EnumerateArray());
        Assert.Equal(bad, skipped.GetProperty("path").GetString());
        Assert.False(string.IsNullOrWhiteSpace(skipped.GetProperty("reason").GetString()));
    }

    [Fact]
    public void CorruptImage_Fail_StopsWithAnErrorNamingTheFile()
    {
        string data = WriteTree("data", ["a", "b"], perClass: 6);
        string bad = _files.PathOf("data/b/corrupt.png");
        File.WriteAllBytes(bad, TempFolder.RandomBytes(200, seed: 99));
        string outDirectory = Path.Combine(_files.Root, "run");

        var (exit, _, error) = Run("train", data, "--size", "28", "--grayscale", "--epochs", "1", "--bad-images", "fail", "--out", outDirectory);

        Assert.Equal(1, exit);
        Assert.Contains($"Cannot decode image '{bad}'", error);
        Assert.False(File.Exists(Path.Combine(outDirectory, TrainCommand.ReportFileName)));
        Assert.False(File.Exists(Path.Combine(outDirectory, TrainCommand.ModelFileName)));
    }

    [Fact]
    public void Cancelled_SavesACheckpoint_AndResumeFinishesTheRun()
    {
        string data = WriteTree("data", ["a", "b"], perClass: 6);
        string outDirectory = Path.Combine(_files.Root, "run");
        string[] args = ["train", data, "--size", "28", "--grayscale", "--epochs", "2", "--batch-size", "4", "--out", outDirectory];

        var (cancelled, _, message) = Run(new CancellationToken(canceled: true), args);

        Assert.Equal(130, cancelled);
        Assert.Contains("--resume", message);
        Assert.True(Directory.Exists(Path.Combine(outDirectory, TrainCommand.CheckpointFolderName)));

        var (exit, output, error) = Run([.. args, "--resume"]);

        Assert.True(exit == 0, error);
        Assert.Contains("Resumed from", output);
        Assert.Equal(2, ReadReport(outDirectory).GetProperty("epochs_run").GetInt32());
        Assert.False(Directory.Exists(Path.Combine(outDirectory, TrainCommand.CheckpointFolderName)));
    }

    [Theory]
    [InlineData(new[] { "--help" }, "train <DATA_DIR>")]
    [InlineData(new[] { "help" }, "predict <MODEL> <IMAGE>")]
    [InlineData(new[] { "train", "--help" }, "--bad-images <POLICY>")]
    [InlineData(new[] { "predict", "-h" }, "--top <N>")]
    public void Help_OnTheAppAndEachCommand_ExitsWith0AndListsIt(string[] args, string expected)
    {
        var (exit, output, error) = Run(args);

        Assert.True(exit == 0, error);
        Assert.Contains(expected, output);
    }

    [Theory]
    [InlineData(new string[0], "Required command was not provided")]
    [InlineData(new[] { "fit", "x" }, "Unrecognized command or argument 'fit'")]
    [InlineData(new[] { "train" }, "Required argument 'DATA_DIR' missing for command: 'train'")]
    [InlineData(new[] { "train", "d", "--size", "100" }, "--network catsdogs is declared for --size 128, 64, 28 only, not 100")]
    [InlineData(new[] { "train", "d", "--network", "mnist", "--size", "64" }, "--network mnist is declared for --size 28 only")]
    [InlineData(new[] { "train", "d", "--network", "resnet" }, "Unknown network 'resnet'")]
    [InlineData(new[] { "train", "d", "--bad-images", "ignore" }, "--bad-images takes skip or fail")]
    [InlineData(new[] { "train", "d", "--validation", "1" }, "--validation needs a fraction in [0, 1)")]
    [InlineData(new[] { "train", "d", "--epochs" }, "Required argument missing for option: '--epochs'")]
    [InlineData(new[] { "predict", "model.safetensors" }, "Required argument 'IMAGE' missing for command: 'predict'")]
    [InlineData(new[] { "predict", "m", "i", "--top", "0" }, "--top needs a positive integer")]
    public void BadArguments_ExitWith2AndSayWhy(string[] args, string message)
    {
        var (exit, _, error) = Run(args);

        Assert.Equal(2, exit);
        Assert.Contains(message, error);
    }

    [Fact]
    public void ClassFoldersWithoutImages_ExitWith1SayingSo()
    {
        Directory.CreateDirectory(_files.PathOf("data/a/x"));
        Directory.CreateDirectory(_files.PathOf("data/b/x"));
        File.WriteAllText(_files.PathOf("data/a/readme.txt"), "not an image");

        var (exit, _, error) = Run("train", Path.Combine(_files.Root, "data"), "--size", "28", "--validation", "0");

        Assert.Equal(1, exit);
        Assert.Contains("hold no image files", error);
    }

    [Fact]
    public void MissingDataFolder_ExitsWith1NamingIt()
    {
        string missing = Path.Combine(_files.Root, "none");

        var (exit, _, error) = Run("train", missing, "--size", "28");

        Assert.Equal(1, exit);
        Assert.Contains(missing, error);
    }
}

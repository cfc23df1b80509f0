using System.Diagnostics;
using System.Text.Json;
using Cnn.Data;
using Xunit;

namespace Cnn.Samples.Tests;

/// <summary>
/// The FashionMnist sample as a process (its entry point is top-level statements): option checks, and
/// a one-epoch run of the preset on a slice of Debian's Fashion-MNIST that writes both accuracies.
/// </summary>
public sealed class FashionMnistSampleTests : IDisposable
{
    private readonly TempFolder _files = new();

    public void Dispose() => _files.Dispose();

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "FashionMnist.dll"));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(), error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "the sample did not finish in five minutes");
        return (process.ExitCode, output.Result, error.Result);
    }

    [Theory]
    [InlineData("--crop-padding", "2")]
    [InlineData("--ema", "0.999")]
    public void AugmentationOnlyOption_WithoutAugment_ExitsWithTwoNamingBothOptions(string option, string value)
    {
        var (exit, _, error) = Run(option, value, "--data", _files.Root);

        Assert.Equal(2, exit);
        Assert.Contains(option, error);
        Assert.Contains("--augment", error);
    }

    [Fact]
    public void MissingData_ExitsWithOneAndAMessageNamingTheFolder_NoStackTrace()
    {
        var (exit, _, error) = Run("--data", _files.Root);

        Assert.Equal(1, exit);
        Assert.Contains($"error: Fashion-MNIST training images not found in '{_files.Root}'", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void PresetBest_OneEpochOnASlice_ReportsPlainAndFlipTtaAccuracy()
    {
        Assert.True(Directory.Exists(Cnn.Data.FashionMnist.DefaultDirectory),
            $"Fashion-MNIST is not installed at {Cnn.Data.FashionMnist.DefaultDirectory}; run `apt-get install dataset-fashion-mnist`.");
        string report = _files.PathOf("report.json");

        var (exit, output, error) = Run("--preset", "best", "--epochs", "1", "--limit", "512", "--report", report);

        Assert.True(exit == 0, error);
        Assert.Contains("test accuracy with flip TTA", output);
        JsonElement json = JsonDocument.Parse(File.ReadAllText(report)).RootElement;
        Assert.Equal("FashionNet", json.GetProperty("model").GetString());
        Assert.True(json.GetProperty("augment").GetBoolean());
        Assert.Equal(512, json.GetProperty("train_images").GetInt32());
        // A tenth is chance: one epoch on 512 images must do better, with and without the mirrored views.
        Assert.InRange(json.GetProperty("test_accuracy").GetDouble(), 0.2, 1);
        Assert.InRange(json.GetProperty("test_accuracy_flip_tta").GetDouble(), 0.2, 1);
    }
}

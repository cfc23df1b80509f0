using System.Text.Json;
using Cifar10Sample;
using Cnn.Data;
using Xunit;

namespace Cnn.Samples.Tests;

/// <summary>The Cifar10 sample end to end on small generated binary batches with random pixels.</summary>
public sealed class Cifar10SampleTests : IDisposable
{
    private readonly TempFolder _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>Writes <paramref name="records"/> valid CIFAR-10 records (label byte 0-9, then 3072 random pixels) to <paramref name="name"/>.</summary>
    private string WriteBatch(string name, int records, ulong seed)
    {
        byte[] bytes = TempFolder.RandomBytes(records * Cifar10.RecordSize, seed);
        for (int i = 0; i < records; i++) bytes[i * Cifar10.RecordSize] = (byte)(i % 10);
        string path = _files.PathOf(Path.Combine("cifar", name));
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string WriteDataSet(int perBatch)
    {
        for (int b = 1; b <= 5; b++) WriteBatch($"data_batch_{b}.bin", perBatch, (ulong)b);
        WriteBatch("test_batch.bin", 12, 6);
        return Path.Combine(_files.Root, "cifar");
    }

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = Cifar10App.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void Train_GeneratedBatches_FinishesAndWritesItsReport(string optimizer)
    {
        string data = WriteDataSet(perBatch: 8);
        string report = Path.Combine(_files.Root, "report.json");

        var (exit, output, error) = Run("--data", data, "--optimizer", optimizer, "--epochs", "1", "--batch-size", "16", "--report", report);

        Assert.True(exit == 0, error);
        Assert.Contains("40 training and 12 test images", output);
        Assert.Contains("test accuracy", output);
        JsonElement json = JsonDocument.Parse(File.ReadAllText(report)).RootElement;
        Assert.Equal("CifarAlexNet", json.GetProperty("model").GetString());
        Assert.Equal(optimizer, json.GetProperty("optimizer").GetString());
        Assert.Equal(optimizer == "sgd" ? 0.008f : 0.001f, json.GetProperty("learning_rate").GetSingle());
        Assert.Equal(40, json.GetProperty("train_images").GetInt32());
        Assert.Equal(12, json.GetProperty("test_images").GetInt32());
        Assert.InRange(json.GetProperty("test_accuracy").GetDouble(), 0, 1);
        Assert.Equal(1, json.GetProperty("history").GetArrayLength());
    }

    [Fact]
    public void TruncatedBatch_StopsBeforeTrainingWithAnErrorNamingTheFileAndRecord()
    {
        string data = WriteDataSet(perBatch: 8);
        string truncated = Path.Combine(data, "data_batch_3.bin");
        byte[] bytes = File.ReadAllBytes(truncated);
        File.WriteAllBytes(truncated, bytes[..(5 * Cifar10.RecordSize + 100)]);
        string report = Path.Combine(_files.Root, "report.json");

        var (exit, output, error) = Run("--data", data, "--epochs", "1", "--report", report);

        Assert.Equal(1, exit);
        Assert.Contains($"'{truncated}'", error);
        Assert.Contains("record 5", error);
        Assert.Contains($"byte offset {5 * Cifar10.RecordSize}", error);
        Assert.Contains("truncated", error);
        Assert.DoesNotContain("epoch 1/1", output);
        Assert.False(File.Exists(report));
    }

    [Fact]
    public void MissingTestBatch_StopsNamingIt()
    {
        string data = WriteDataSet(perBatch: 2);
        File.Delete(Path.Combine(data, "test_batch.bin"));

        var (exit, _, error) = Run("--data", data);

        Assert.Equal(1, exit);
        Assert.Contains("test_batch.bin not found", error);
    }

    [Fact]
    public void Help_ExitsWith0AndListsTheOptions()
    {
        var (exit, output, _) = Run("--help");

        Assert.Equal(0, exit);
        Assert.Contains("--data <DIR> (REQUIRED)", output);
        Assert.Contains("--epochs <N>", output);
        Assert.Contains("Exit codes: 0 done, 1 bad data, 2 bad arguments, 130 cancelled.", output);
    }

    [Theory]
    [InlineData(new string[0], "Option '--data' is required")]
    [InlineData(new[] { "--data", "d", "--seed", "-1" }, "--seed needs a non-negative integer, not '-1'")]
    [InlineData(new[] { "--data", "d", "--optimizer", "rmsprop" }, "--optimizer takes sgd or adam")]
    [InlineData(new[] { "--data", "d", "--optimizer", "adam", "--momentum", "0.9" }, "--momentum is for --optimizer sgd")]
    [InlineData(new[] { "--data", "d", "--epochs", "0" }, "--epochs needs a positive integer")]
    public void BadArguments_ExitWith2AndSayWhy(string[] args, string message)
    {
        var (exit, _, error) = Run(args);

        Assert.Equal(2, exit);
        Assert.Contains(message, error);
    }
}

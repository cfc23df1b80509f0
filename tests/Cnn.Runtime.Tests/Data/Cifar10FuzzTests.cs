using Xunit;
using Xunit.Abstractions;

namespace Cnn.Data.Tests;

/// <summary>
/// Mutations of valid CIFAR-10 binary batches, read by <see cref="Cifar10.ReadBatch"/> and
/// <see cref="Cifar10.Load(string, bool, int?)"/>: every outcome must be a load of exactly the
/// records the bytes hold, or a <see cref="DataFormatException"/> naming the file. Nothing may load
/// silently short, and no other exception may escape.
/// </summary>
public sealed class Cifar10FuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Records = 3;

    private readonly TempDirectory _directory = new("cnn-cifar-fuzz-");
    private int _cases, _loaded;

    public void Dispose() => _directory.Dispose();

    private static byte[] Batch(ulong seed)
    {
        var random = new SeededRandom(seed);
        var bytes = new byte[Records * Cifar10.RecordSize];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = (byte)random.NextInt(256);
        for (int r = 0; r < Records; r++)
            bytes[r * Cifar10.RecordSize] = (byte)random.NextInt(10);
        return bytes;
    }

    private static IEnumerable<FileMutations.Mutation> LabelValues(byte[] batch)
    {
        for (int r = 0; r < Records; r++)
        {
            foreach (byte label in new byte[] { 0, 9, 10, 11, 127, 128, 255 })
            {
                byte[] bytes = (byte[])batch.Clone();
                bytes[r * Cifar10.RecordSize] = label;
                yield return new($"label of record {r} set to {label}", bytes);
            }
        }
    }

    /// <summary>Checks one mutated file as a batch of any length; returns whether it loaded.</summary>
    private void CheckBatch(string name, byte[] bytes)
    {
        _cases++;
        string path = _directory.Write("data_batch_1.bin", bytes);
        ImageDataset batch;
        try
        {
            batch = Cifar10.ReadBatch(path);
        }
        catch (DataFormatException e)
        {
            Assert.True(e.FilePath == path && e.Message.Contains(path), $"{name}: the error does not name the file: {e.Message}");
            return;
        }
        catch (Exception e)
        {
            Assert.Fail($"{name}: {e.GetType().Name} instead of a DataFormatException: {e.Message}");
            return;
        }

        _loaded++;
        Assert.True(bytes.Length == batch.Count * Cifar10.RecordSize, $"{name}: {batch.Count} records loaded from {bytes.Length} bytes");
        for (int r = 0; r < batch.Count; r++)
        {
            int at = r * Cifar10.RecordSize;
            Assert.Equal(bytes[at], batch.GetLabel(r));
            ReadOnlySpan<float> image = batch.GetImage(r);
            for (int p = 0; p < 3072; p += 97)
                Assert.Equal(bytes[at + 1 + p] * (1f / 255f), image[p]);
        }
    }

    [Fact]
    public void BatchMutations_LoadExactlyOrFailNamingTheFile()
    {
        byte[] batch = Batch(1);
        IEnumerable<FileMutations.Mutation> mutations = FileMutations.Truncations(batch)
            .Concat(LabelValues(batch))
            .Concat(FileMutations.BitFlips(batch, 200, seed: 2))
            .Concat(FileMutations.RangeOverwrites(batch, 100, seed: 3))
            .Concat(FileMutations.Appended(batch, seed: 4))
            .Append(new("one record more", [.. batch, .. Batch(5)[..Cifar10.RecordSize]]));
        foreach (var (name, bytes) in mutations)
            CheckBatch(name, bytes);
        output.WriteLine($"CIFAR-10 batch: {_cases} cases, {_loaded} loaded, {_cases - _loaded} DataFormatExceptions naming the file");
    }

    [Fact]
    public void TrainingSetWithOneBatchMutated_LoadsAllRecordsOrFailsNamingThatBatch()
    {
        byte[][] batches = Enumerable.Range(1, 5).Select(b => Batch((ulong)(10 + b))).ToArray();
        for (int b = 0; b < 5; b++)
            _directory.Write($"data_batch_{b + 1}.bin", batches[b]);
        var random = new SeededRandom(20);
        for (int i = 0; i < 300; i++)
        {
            int target = random.NextInt(5);
            byte[] original = batches[target];
            FileMutations.Mutation mutation = (i % 3) switch
            {
                0 => new($"truncated to {i * 31 % original.Length}", original[..(i * 31 % original.Length)]),
                1 => FileMutations.BitFlips(original, 1, seed: (ulong)i).Single(),
                _ => FileMutations.Appended(original, seed: (ulong)i).ElementAt(i % 9),
            };
            string path = _directory.Write($"data_batch_{target + 1}.bin", mutation.Bytes);
            _cases++;
            try
            {
                ImageDataset train = Cifar10.Load(_directory.Path, train: true);
                _loaded++;
                Assert.True(train.Count == 5 * Records, $"{mutation.Name} of batch {target + 1}: {train.Count} records loaded");
            }
            catch (DataFormatException e)
            {
                Assert.True(e.FilePath == path && e.Message.Contains(path), $"{mutation.Name} of batch {target + 1}: the error does not name it: {e.Message}");
            }
            catch (Exception e)
            {
                Assert.Fail($"{mutation.Name} of batch {target + 1}: {e.GetType().Name} instead of a DataFormatException: {e.Message}");
            }
            _directory.Write($"data_batch_{target + 1}.bin", original);
        }
        output.WriteLine($"CIFAR-10 training set: {_cases} cases, {_loaded} loaded, {_cases - _loaded} DataFormatExceptions naming the batch");
    }
}

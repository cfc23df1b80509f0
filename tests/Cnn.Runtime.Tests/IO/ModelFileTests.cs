using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Cnn.Runtime.Tests.Networks;
using Xunit;

namespace Cnn.IO.Tests;

/// <summary>Saving and loading whole networks: round trips, other dtypes, refused mismatches and atomic writes.</summary>
public sealed class ModelFileTests : IDisposable
{
    private readonly SafeTensorsTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static float[] Download(INetwork network, Tensor tensor)
    {
        var values = new float[tensor.Length];
        network.Backend.Download(tensor, values);
        return values;
    }

    private static void AssertBitwiseEqual(float[] expected, float[] actual) =>
        Assert.Equal(MemoryMarshal.AsBytes(expected.AsSpan()).ToArray(), MemoryMarshal.AsBytes(actual.AsSpan()).ToArray());

    private static void SetBuffers(BufferedTestNet network, float count)
    {
        float[] values = [0.5f, -1.25f, 3e-8f, 7, 1.5f, 0.75f, 2, 1e6f, count];
        network.Backend.Upload(values, network.Buffers);
    }

    /// <summary>The network's tensors as hand-built F32 entries, in its declaration order.</summary>
    private static List<TestTensor> TensorsOf(INetwork network)
    {
        float[] parameters = Download(network, network.Parameters);
        return network.ParameterInfos
            .Select(p => new TestTensor(p.Name, "F32", p.Shape.Select(d => (long)d).ToArray(),
                SafeTensorsTestFiles.Encode("F32", parameters.AsSpan((int)p.Offset, p.Length).ToArray())))
            .ToList();
    }

    [Fact]
    public void SaveThenLoad_IntoAnotherSeed_RestoresParametersAndBuffersBitwise()
    {
        using var saved = new BufferedTestNet(seed: 1);
        SetBuffers(saved, count: 4242);
        string path = _files.PathOf("buffered.safetensors");
        ModelFile.Save(saved, path);

        using var loaded = new BufferedTestNet(seed: 2);
        Assert.NotEqual(Download(saved, saved.Parameters), Download(loaded, loaded.Parameters));
        ModelFile.Load(loaded, path);

        AssertBitwiseEqual(Download(saved, saved.Parameters), Download(loaded, loaded.Parameters));
        AssertBitwiseEqual(Download(saved, saved.Buffers), Download(loaded, loaded.Buffers));
    }

    [Fact]
    public void Save_WritesTheBatchCountAsAScalarInt64_AndEverythingElseAsF32()
    {
        using var network = new BufferedTestNet(seed: 1);
        SetBuffers(network, count: 300);
        string path = _files.PathOf("dtypes.safetensors");
        ModelFile.Save(network, path);

        var parsed = SafeTensorsTestFiles.ParseByReferenceRules(File.ReadAllBytes(path));
        var count = parsed.Tensors[0];
        Assert.Equal(("bn.num_batches_tracked", "I64"), (count.Name, count.DType));
        Assert.Empty(count.Shape);
        Assert.Equal(300, BinaryPrimitives.ReadInt64LittleEndian(count.Data));
        Assert.All(parsed.Tensors.Skip(1), t => Assert.Equal("F32", t.DType));
        Assert.Equal(["bn.running_mean", "bn.running_var", "conv1.bias", "conv1.weight", "fc.bias", "fc.weight"],
            parsed.Tensors.Skip(1).Select(t => t.Name));
        Assert.Equal([4L, 1, 3, 3], parsed.Tensors.Single(t => t.Name == "conv1.weight").Shape);
        Assert.Equal([3L, 144], parsed.Tensors.Single(t => t.Name == "fc.weight").Shape);
    }

    [Fact]
    public void Save_WritesAHeaderAlignedToEightBytes_ThatParsesByTheReferenceRules()
    {
        using var network = new SmallConvNet(maxBatchSize: 2, seed: 1);
        string path = _files.PathOf("small.safetensors");
        ModelFile.Save(network, path, new ModelMetadata(extra: new Dictionary<string, string> { ["format"] = "pt" }));

        byte[] file = File.ReadAllBytes(path);
        var parsed = SafeTensorsTestFiles.ParseByReferenceRules(file);
        Assert.Equal(0, parsed.HeaderLength % 8);
        Assert.StartsWith("{\"__metadata__\":{", parsed.HeaderText);
        Assert.Matches("^[^ ]*} {0,7}$", parsed.HeaderText);
        Assert.Equal(new Dictionary<string, string> { ["architecture"] = "SmallConvNet", ["format"] = "pt", ["input_shape"] = "1,12,12" }, parsed.Metadata);

        float[] parameters = Download(network, network.Parameters);
        foreach (ParameterInfo p in network.ParameterInfos)
        {
            var tensor = parsed.Tensors.Single(t => t.Name == p.Name);
            Assert.Equal(p.Shape.Select(d => (long)d), tensor.Shape);
            Assert.Equal(SafeTensorsTestFiles.Encode("F32", parameters.AsSpan((int)p.Offset, p.Length).ToArray()), tensor.Data);
        }
        Assert.Equal(network.ParameterInfos.Count, parsed.Tensors.Count);
    }

    [Fact]
    public void SaveThenLoad_RoundTripsMetadata()
    {
        using var network = new IoTestNet(1, seed: 1);
        string path = _files.PathOf("meta.safetensors");
        var metadata = new ModelMetadata(["T-shirt/top", "Trouser", "say \"hi\", ünïcode ✓"],
            new Dictionary<string, string> { ["format"] = "pt", ["epochs"] = "12" });
        ModelFile.Save(network, path, metadata);

        ModelMetadata read = ModelFile.Load(new IoTestNet(1, seed: 3), path);
        Assert.Equal(new ModelMetadata("IoTestNet", new TensorShape(1, 8, 8), metadata.ClassNames, metadata.Extra), read);
        Assert.Equal(read, ModelFile.ReadMetadata(path));

        using var flat = new TinyMlp(1, seed: 1);
        ModelFile.Save(flat, path);
        ModelMetadata flatRead = ModelFile.ReadMetadata(path);
        Assert.Equal(TensorShape.Flat(4), flatRead.InputShape);
        Assert.Null(flatRead.ClassNames);
        Assert.Empty(flatRead.Extra);
    }

    [Fact]
    public void Save_RefusesMetadataThatContradictsTheNetwork()
    {
        using var network = new IoTestNet(1);
        string path = _files.PathOf("contradiction.safetensors");
        Assert.Throws<ArgumentException>(() => ModelFile.Save(network, path, new ModelMetadata("SmallConvNet", null, null, new Dictionary<string, string>())));
        Assert.Throws<ArgumentException>(() => ModelFile.Save(network, path, new ModelMetadata(null, new TensorShape(3, 8, 8), null, new Dictionary<string, string>())));
        Assert.Throws<ArgumentException>(() => ModelFile.Save(network, path, new ModelMetadata(extra: new Dictionary<string, string> { ["architecture"] = "x" })));
        Assert.False(File.Exists(path));
    }

    public static TheoryData<string> OtherDTypes() => new() { "F64", "F16", "BF16" };

    [Theory]
    [MemberData(nameof(OtherDTypes))]
    public void Load_ConvertsAFileInAnotherDType(string dtype)
    {
        using var network = new BufferedTestNet(seed: 1);
        // Values every dtype holds exactly: small multiples of 1/64.
        float[] parameters = Enumerable.Range(0, network.Parameters.Length).Select(i => (i % 97 - 48) / 64f).ToArray();
        float[] buffers = [0.5f, -1.25f, 3, 7, 1.5f, 0.75f, 2, 1024, 9];
        var tensors = network.ParameterInfos
            .Select(p => new TestTensor(p.Name, dtype, p.Shape.Select(d => (long)d).ToArray(),
                SafeTensorsTestFiles.Encode(dtype, parameters.AsSpan((int)p.Offset, p.Length).ToArray())))
            .Append(new TestTensor("bn.running_mean", dtype, [4], SafeTensorsTestFiles.Encode(dtype, buffers[..4])))
            .Append(new TestTensor("bn.running_var", dtype, [4], SafeTensorsTestFiles.Encode(dtype, buffers[4..8])))
            .Append(new TestTensor("bn.num_batches_tracked", "I64", [], SafeTensorsTestFiles.Encode("I64", [9])));
        string path = _files.Write(dtype + ".safetensors", SafeTensorsTestFiles.Build(tensors));

        ModelMetadata metadata = ModelFile.Load(network, path);
        float[] loaded = Download(network, network.Parameters), loadedBuffers = Download(network, network.Buffers);
        foreach (ParameterInfo p in network.ParameterInfos)
            Assert.Equal(parameters.AsSpan((int)p.Offset, p.Length).ToArray(), loaded.AsSpan((int)p.Offset, p.Length).ToArray());
        Assert.Equal(buffers, network.BufferInfos.SelectMany(b => loadedBuffers.AsSpan((int)b.Offset, b.Length).ToArray()));
        // The alignment padding between tensors is no tensor: loading leaves it zero.
        var used = network.ParameterInfos.SelectMany(p => Enumerable.Range((int)p.Offset, p.Length)).ToHashSet();
        Assert.All(Enumerable.Range(0, loaded.Length).Where(i => !used.Contains(i)), i => Assert.Equal(0f, loaded[i]));
        Assert.Null(metadata.Architecture);
        Assert.Null(metadata.InputShape);
    }

    public static TheoryData<string, string> Mismatches() => new()
    {
        { "missing", "missing 'fc.bias'" },
        { "shape", "'conv1.weight' has shape [8,1,3,3] in the file but [4,1,3,3] in IoTestNet" },
        { "dtype", "'conv1.bias' has dtype U8, not a float type" },
        { "unexpected", "unexpected 'extra.weight'" },
        { "input_shape", "metadata 'input_shape' is '1,eight,8'" },
        { "class_names", "metadata 'class_names' is '{\"a\":1}', not a JSON array of strings" },
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void Load_RefusesAMismatch_AndLeavesTheNetworkUnchanged(string kind, string expected)
    {
        using var source = new IoTestNet(1, seed: 1);
        List<TestTensor> tensors = TensorsOf(source);
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        switch (kind)
        {
            case "missing": tensors.RemoveAll(t => t.Name == "fc.bias"); break;
            case "shape": tensors[0] = tensors[0] with { Shape = [8, 1, 3, 3], Data = new byte[8 * 9 * 4] }; break;
            case "dtype": tensors[1] = tensors[1] with { DType = "U8", Data = new byte[4] }; break;
            case "unexpected": tensors.Add(new TestTensor("extra.weight", "F32", [1], new byte[4])); break;
            case "input_shape": metadata["input_shape"] = "1,eight,8"; break;
            case "class_names": metadata["class_names"] = "{\"a\":1}"; break;
        }
        string path = _files.Write(kind + ".safetensors", SafeTensorsTestFiles.Build(tensors, metadata));

        using var target = new IoTestNet(1, seed: 2);
        float[] before = Download(target, target.Parameters);
        var error = Assert.Throws<ModelFormatException>(() => ModelFile.Load(target, path));

        Assert.Equal([expected], error.Problems.Select(p => p[..Math.Min(p.Length, expected.Length)]));
        Assert.Contains(path, error.Message);
        Assert.Contains("does not fit IoTestNet (1 problem)", error.Message);
        Assert.Contains(expected, error.Message);
        AssertBitwiseEqual(before, Download(target, target.Parameters));
    }

    [Fact]
    public void Load_ListsTheFirstTenProblems_AndCountsTheRest()
    {
        var tensors = Enumerable.Range(0, 12).Select(i => new TestTensor($"layer{i:D2}.weight", "F32", [1], new byte[4]));
        string path = _files.Write("foreign.safetensors", SafeTensorsTestFiles.Build(tensors));
        using var network = new IoTestNet(1, seed: 2);
        float[] before = Download(network, network.Parameters);

        var error = Assert.Throws<ModelFormatException>(() => ModelFile.Load(network, path));
        Assert.Equal(16, error.Problems.Count);
        Assert.Equal(["missing 'conv1.weight'", "missing 'conv1.bias'", "missing 'fc.weight'", "missing 'fc.bias'", "unexpected 'layer00.weight'"], error.Problems.Take(5));
        Assert.Contains("(16 problems)", error.Message);
        Assert.Contains("unexpected 'layer05.weight'\n  ... and 6 more", error.Message);
        Assert.DoesNotContain("layer06", error.Message);
        AssertBitwiseEqual(before, Download(network, network.Parameters));
    }

    [Fact]
    public void Load_RefusesAMalformedFile_AndLeavesTheNetworkUnchanged()
    {
        using var source = new IoTestNet(1, seed: 1);
        byte[] file = SafeTensorsTestFiles.Build(TensorsOf(source));
        string path = _files.Write("truncated.safetensors", file[..^4]);
        using var target = new IoTestNet(1, seed: 2);
        float[] before = Download(target, target.Parameters);

        var error = Assert.Throws<SafeTensorsFormatException>(() => ModelFile.Load(target, path));
        Assert.Contains(path, error.Message);
        AssertBitwiseEqual(before, Download(target, target.Parameters));
    }

    /// <summary>Passes writes through to the file until <see cref="Budget"/> bytes, then fails as a full disk would.</summary>
    private sealed class FailingStream(Stream inner, long budget) : Stream
    {
        public long Budget { get; } = budget;
        public long Written { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            int allowed = (int)Math.Min(buffer.Length, Budget - Written);
            inner.Write(buffer[..allowed]);
            inner.Flush();
            Written += allowed;
            if (allowed < buffer.Length) throw new IOException("No space left on device (simulated).");
        }
    }

    [Fact]
    public void Save_FailingMidway_LeavesThePreviousFileIntact()
    {
        string path = _files.PathOf("model.safetensors");
        using (var old = new IoTestNet(1, seed: 1)) ModelFile.Save(old, path);
        byte[] previous = File.ReadAllBytes(path);

        using var network = new IoTestNet(1, seed: 2);
        FailingStream? stream = null;
        string? temporary = null;
        var error = Assert.Throws<IOException>(() => ModelFile.Save(network, path, null, file =>
        {
            temporary = ((FileStream)file).Name;
            return stream = new FailingStream(file, budget: previous.Length / 2);
        }));

        Assert.Contains("simulated", error.Message);
        Assert.Equal(previous.Length / 2, stream!.Written);
        Assert.Equal(previous, File.ReadAllBytes(path));
        Assert.False(File.Exists(temporary), "the half-written temporary file is removed");
        Assert.Equal([path], Directory.GetFiles(_files.Directory));
    }

    [Fact]
    public void Save_WhenTheTemporaryFileCannotBeCreated_LeavesThePreviousFileIntact()
    {
        string path = _files.PathOf("model.safetensors");
        using (var old = new IoTestNet(1, seed: 1)) ModelFile.Save(old, path);
        byte[] previous = File.ReadAllBytes(path);
        // The temporary's name, taken by a directory.
        string temporary = AtomicFile.TemporaryPath(path);
        Directory.CreateDirectory(temporary);

        Exception error = Assert.ThrowsAny<Exception>(() => AtomicFile.Write(path, stream => stream.WriteByte(1), temporary));
        Assert.True(error is IOException or UnauthorizedAccessException, error.ToString());
        Assert.Equal(previous, File.ReadAllBytes(path));
        Assert.True(Directory.Exists(temporary), "what was at the temporary's name is not ours to delete");
    }
}

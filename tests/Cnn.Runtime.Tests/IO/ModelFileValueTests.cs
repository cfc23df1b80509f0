using Cnn.Runtime.Tests.Networks;
using Xunit;

namespace Cnn.IO.Tests;

/// <summary>Values no trained network holds (NaN, ±Inf, a negative running variance) and sizes that overflow: refused on save and load.</summary>
public sealed class ModelFileValueTests : IDisposable
{
    private readonly SafeTensorsTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static float[] Download(INetwork network, Tensor tensor)
    {
        var values = new float[tensor.Length];
        network.Backend.Download(tensor, values);
        return values;
    }

    /// <summary>The network's tensors as F32 entries, with <paramref name="edit"/> applied to the named one.</summary>
    private static List<TestTensor> TensorsOf(INetwork network, string edited, Action<float[]> edit)
    {
        float[] parameters = Download(network, network.Parameters);
        return network.ParameterInfos.Select(p =>
        {
            float[] values = parameters.AsSpan((int)p.Offset, p.Length).ToArray();
            if (p.Name == edited) edit(values);
            return new TestTensor(p.Name, "F32", p.Shape.Select(d => (long)d).ToArray(), SafeTensorsTestFiles.Encode("F32", values));
        }).ToList();
    }

    public static TheoryData<float> NonFinite() => new() { float.NaN, float.PositiveInfinity, float.NegativeInfinity };

    [Theory]
    [MemberData(nameof(NonFinite))]
    public void Load_RefusesANonFiniteWeight_NamingTheTensor_AndLeavesTheNetworkUnchanged(float value)
    {
        using var source = new IoTestNet(1, seed: 1);
        string path = _files.Write("blown.safetensors", SafeTensorsTestFiles.Build(TensorsOf(source, "fc.weight", v => v[7] = value)));
        using var target = new IoTestNet(1, seed: 2);
        float[] before = Download(target, target.Parameters);

        var error = Assert.Throws<ModelFormatException>(() => ModelFile.Load(target, path));

        Assert.Contains(path, error.Message);
        Assert.Contains("'fc.weight'", error.Message);
        Assert.Equal(before, Download(target, target.Parameters));
    }

    [Fact]
    public void Load_RefusesANegativeRunningVariance_NamingTheTensor()
    {
        using var source = new BufferedTestNet(seed: 1);
        List<TestTensor> tensors = TensorsOf(source, "", _ => { });
        tensors.Add(new TestTensor("bn.running_mean", "F32", [4], SafeTensorsTestFiles.Encode("F32", [0, 0, 0, 0])));
        tensors.Add(new TestTensor("bn.running_var", "F32", [4], SafeTensorsTestFiles.Encode("F32", [1, 1, -0.5f, 1])));
        tensors.Add(new TestTensor("bn.num_batches_tracked", "I64", [], SafeTensorsTestFiles.Encode("I64", [3])));
        string path = _files.Write("negative-variance.safetensors", SafeTensorsTestFiles.Build(tensors));
        using var target = new BufferedTestNet(seed: 2);
        float[] before = Download(target, target.Buffers);

        var error = Assert.Throws<ModelFormatException>(() => ModelFile.Load(target, path));

        Assert.Contains("'bn.running_var'", error.Message);
        Assert.Equal(before, Download(target, target.Buffers));
    }

    [Theory]
    [MemberData(nameof(NonFinite))]
    public void Save_RefusesANonFiniteWeight_NamingTheTensor_AndKeepsThePreviousFile(float value)
    {
        string path = _files.PathOf("model.safetensors");
        using var network = new IoTestNet(1, seed: 1);
        ModelFile.Save(network, path);
        byte[] previous = File.ReadAllBytes(path);
        float[] parameters = Download(network, network.Parameters);
        // The last value of fc.bias (the buffer itself may end in alignment padding).
        ParameterInfo bias = network.ParameterInfos.Single(p => p.Name == "fc.bias");
        parameters[bias.Offset + bias.Length - 1] = value;
        network.Backend.Upload(parameters, network.Parameters);

        var error = Assert.Throws<InvalidOperationException>(() => ModelFile.Save(network, path));

        Assert.Contains("'fc.bias'", error.Message);
        Assert.Equal(previous, File.ReadAllBytes(path));
    }

    [Fact]
    public void AllowNonFinite_SavesAndLoadsABlownUpNetwork_ForInspection()
    {
        string path = _files.PathOf("blown.safetensors");
        using var network = new IoTestNet(1, seed: 1);
        float[] parameters = Download(network, network.Parameters);
        parameters[0] = float.NaN;
        network.Backend.Upload(parameters, network.Parameters);

        ModelFile.Save(network, path, allowNonFinite: true);
        using var loaded = new IoTestNet(1, seed: 2);
        ModelFile.Load(loaded, path, allowNonFinite: true);

        Assert.True(float.IsNaN(Download(loaded, loaded.Parameters)[0]));
    }

    [Fact]
    public void ReadMetadata_AnInputShapeWhoseSizeOverflows_IsAProblem()
    {
        using var source = new IoTestNet(1, seed: 1);
        string path = _files.Write("huge-shape.safetensors", SafeTensorsTestFiles.Build(TensorsOf(source, "", _ => { }),
            new Dictionary<string, string> { [ModelFile.InputShapeKey] = "65536,65536,65536" }));

        var error = Assert.Throws<ModelFormatException>(() => ModelFile.ReadMetadata(path));

        Assert.Contains(ModelFile.InputShapeKey, error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void TensorShapeSize_Overflowing_Throws() =>
        Assert.Throws<OverflowException>(() => new TensorShape(65536, 65536, 65536).Size);
}

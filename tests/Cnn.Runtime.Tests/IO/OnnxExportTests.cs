using Cnn.IO.Onnx;
using Cnn.Models;
using Xunit;

namespace Cnn.IO.Tests;

/// <summary>
/// The parts of ONNX export that need no ONNX Runtime: the protobuf wire format, the graph the
/// generator describes, and what a network without one gets. tests/Cnn.Onnx.Tests runs the files.
/// </summary>
public class OnnxExportTests
{
    [Fact]
    public void ProtoMessage_EncodesLikeTheProtobufDocumentationsExamples()
    {
        // protobuf.dev/programming-guides/encoding: 150 in field 1 is 08 96 01; "testing" in field 2
        // is 12 07 74 65 73 74 69 6e 67; the first message nested in field 3 is 1a 03 08 96 01.
        var inner = new ProtoMessage().Int64(1, 150);
        var message = new ProtoMessage().String(2, "testing").Message(3, inner).Float(4, 1.0f).Int64(5, -1);
        var stream = new MemoryStream();
        message.WriteTo(stream);

        byte[] expected =
        [
            0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67,
            0x1a, 0x03, 0x08, 0x96, 0x01,
            0x25, 0x00, 0x00, 0x80, 0x3f, // field 4, fixed32: 1.0f little-endian
            0x28, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, // field 5: -1 as a ten-byte varint
        ];
        Assert.Equal(expected, stream.ToArray());
        Assert.Equal(expected.Length, message.Length);
    }

    [Fact]
    public void Graph_OfResNet18_ReadsTheShortcutAndTheMainPathIntoEachSum()
    {
        using var resnet = new ResNet18(1);
        IReadOnlyList<NetworkNode> graph = resnet.Graph;
        int Index(string name) => graph.Select((n, i) => (n, i)).Single(p => p.n.Name == name).i;

        Assert.Equal(resnet.Layers.Select(l => (l.Name, l.Kind, l.OutputShape)), graph.Select(n => (n.Name, n.Kind, n.OutputShape)));
        Assert.Equal([NetworkNode.NetworkInput], graph[0].Inputs);
        Assert.Equal([Index("layer2.0.bn2"), Index("layer2.0.downsample.1")], graph[Index("layer2.0.residual1")].Inputs);
        Assert.Equal([Index("layer1.1.bn2"), Index("layer1.0.relu2")], graph[Index("layer1.1.residual1")].Inputs); // identity shortcut
        var conv = Assert.IsType<Cnn.Backends.Conv2dGeometry>(graph[Index("layer2.0.downsample.0")].Geometry);
        Assert.Equal((1, 64, 128, 1, 2), (conv.MaxBatch, conv.InChannels, conv.OutChannels, conv.KernelHeight, conv.StrideHeight));
        Assert.Null(graph[Index("layer2.0.residual1")].Geometry);
    }

    [Fact]
    public void Export_OfABlownUpNetwork_NamesTheTensor_AndLeavesAnEarlierFile_UnlessAllowed()
    {
        string folder = Directory.CreateTempSubdirectory("cnn-onnx-").FullName;
        try
        {
            using var network = new IoTestNet(1, seed: 1);
            var parameters = new float[network.Parameters.Length];
            network.Backend.Download(network.Parameters, parameters);
            parameters[network.ParameterInfos.Single(p => p.Name == "fc.bias").Offset + 2] = float.PositiveInfinity;
            network.Backend.Upload(parameters, network.Parameters);
            string path = Path.Combine(folder, "model.onnx");
            File.WriteAllText(path, "an earlier export");

            var error = Assert.Throws<InvalidOperationException>(() => ModelFile.ExportOnnx(network, path));

            Assert.Contains("'fc.bias' holds Infinity at index 2", error.Message);
            Assert.Equal("an earlier export", File.ReadAllText(path));
            ModelFile.ExportOnnx(network, path, new OnnxExportOptions { AllowNonFinite = true });
            Assert.NotEqual("an earlier export", File.ReadAllText(path));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Export_OfAHandWrittenNetwork_SaysItHasNoGraph_AndWritesNothing()
    {
        string folder = Directory.CreateTempSubdirectory("cnn-onnx-").FullName;
        try
        {
            using var network = new BufferedTestNet(seed: 1);
            string path = Path.Combine(folder, "model.onnx");

            var error = Assert.Throws<NotSupportedException>(() => ModelFile.ExportOnnx(network, path));

            Assert.Contains("BufferedTestNet does not describe its graph", error.Message);
            Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Cnn.Onnx.Tests;

/// <summary>Runs an ONNX file in ONNX Runtime's CPU provider, with its default graph optimisations, as a user would.</summary>
internal static class OnnxRuntimeRunner
{
    /// <summary>The "output" of the model for a batch of samples of <paramref name="shape"/>, flattened.</summary>
    public static float[] Run(string path, float[] input, int batch, TensorShape shape)
    {
        using var session = new InferenceSession(path);
        int[] dimensions = shape.IsFlat ? [batch, shape.Channels] : [batch, shape.Channels, shape.Height, shape.Width];
        var tensor = new DenseTensor<float>(input, dimensions);
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run([NamedOnnxValue.CreateFromTensor("input", tensor)]);
        return results.Single(r => r.Name == "output").AsTensor<float>().ToArray();
    }

    /// <summary>The model's custom metadata (metadata_props) as ONNX Runtime reads it.</summary>
    public static IReadOnlyDictionary<string, string> Metadata(string path)
    {
        using var session = new InferenceSession(path);
        return new Dictionary<string, string>(session.ModelMetadata.CustomMetadataMap);
    }

    /// <summary>max |a − b| over max |b|: the error relative to the reference output's scale.</summary>
    public static double RelativeError(float[] actual, float[] reference)
    {
        Assert.Equal(reference.Length, actual.Length);
        double difference = 0, scale = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            difference = Math.Max(difference, Math.Abs((double)actual[i] - reference[i]));
            scale = Math.Max(scale, Math.Abs((double)reference[i]));
        }
        return scale == 0 ? difference : difference / scale;
    }
}

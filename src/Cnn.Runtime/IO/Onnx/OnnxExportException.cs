namespace Cnn.IO.Onnx;

/// <summary>A layer of the network has no ONNX form; nothing was written.</summary>
public sealed class OnnxExportException : Exception
{
    /// <summary>Creates the exception for <paramref name="layer"/> with a message that says why and what to change.</summary>
    public OnnxExportException(string architecture, string layer, string reason)
        : base($"{architecture} cannot be exported to ONNX: layer '{layer}' {reason}")
    {
        Layer = layer;
    }

    /// <summary>The full name of the layer that cannot be expressed, e.g. <c>"avgpool"</c>.</summary>
    public string Layer { get; }
}

using System.Buffers.Binary;
using System.Text;

namespace Cnn.IO.Onnx;

/// <summary>
/// One protocol-buffers message being written: the wire format's varints, fixed32 floats and
/// length-delimited fields, with nested messages and large byte blocks (tensor data) kept by
/// reference, so that a model is streamed to its file without a second copy of its weights.
/// Only what an ONNX writer needs; fields are written in the order they are added.
/// </summary>
internal sealed class ProtoMessage
{
    private const int Varint = 0, LengthDelimited = 2, Fixed32 = 5;

    // Encoded scalars (byte[]), nested messages (ProtoMessage) and borrowed blocks (ReadOnlyMemory<byte>), in order.
    private readonly List<object> _parts = [];
    private MemoryStream _scalars = new();

    /// <summary>The encoded size in bytes.</summary>
    public long Length
    {
        get
        {
            long length = _scalars.Length;
            foreach (object part in _parts)
            {
                length += part switch
                {
                    byte[] bytes => bytes.Length,
                    ProtoMessage message => message.Length,
                    _ => ((ReadOnlyMemory<byte>)part).Length,
                };
            }
            return length;
        }
    }

    /// <summary>An int32, int64 or enum field (a negative value takes ten bytes, as protobuf encodes it).</summary>
    public ProtoMessage Int64(int field, long value)
    {
        Tag(field, Varint);
        WriteVarint((ulong)value);
        return this;
    }

    public ProtoMessage Float(int field, float value)
    {
        Tag(field, Fixed32);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _scalars.Write(bytes);
        return this;
    }

    public ProtoMessage String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>A bytes field whose contents are read when the message is written, not copied now.</summary>
    public ProtoMessage Bytes(int field, ReadOnlyMemory<byte> value)
    {
        Tag(field, LengthDelimited);
        WriteVarint((ulong)value.Length);
        Seal();
        _parts.Add(value);
        return this;
    }

    /// <summary>A nested message; it must not change afterwards, as its length is written now.</summary>
    public ProtoMessage Message(int field, ProtoMessage message)
    {
        Tag(field, LengthDelimited);
        WriteVarint((ulong)message.Length);
        message.Seal();
        Seal();
        _parts.Add(message);
        return this;
    }

    /// <summary>Writes the encoded message, without a length prefix (a top-level message).</summary>
    public void WriteTo(Stream stream)
    {
        Seal();
        foreach (object part in _parts)
        {
            switch (part)
            {
                case byte[] bytes:
                    stream.Write(bytes);
                    break;
                case ProtoMessage message:
                    message.WriteTo(stream);
                    break;
                default:
                    stream.Write(((ReadOnlyMemory<byte>)part).Span);
                    break;
            }
        }
    }

    private void Tag(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _scalars.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _scalars.WriteByte((byte)value);
    }

    /// <summary>Moves the scalars written so far into the parts, so that what follows comes after them.</summary>
    private void Seal()
    {
        if (_scalars.Length == 0) return;
        _parts.Add(_scalars.ToArray());
        _scalars = new MemoryStream();
    }
}

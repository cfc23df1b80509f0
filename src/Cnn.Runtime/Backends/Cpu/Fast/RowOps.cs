using System.Numerics;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>Small vectorised loops over rows of floats that the fast operators share.</summary>
internal static unsafe class RowOps
{
    /// <summary>row[i] += value.</summary>
    public static void AddScalar(float* row, int count, float value)
    {
        var v = new Vector<float>(value);
        int i = 0;
        for (; i <= count - Vector<float>.Count; i += Vector<float>.Count) (Vector.Load(row + i) + v).Store(row + i);
        for (; i < count; i++) row[i] += value;
    }

    /// <summary>dst[i] = src[i] + value.</summary>
    public static void CopyAddScalar(float* src, float* dst, int count, float value)
    {
        var v = new Vector<float>(value);
        int i = 0;
        for (; i <= count - Vector<float>.Count; i += Vector<float>.Count) (Vector.Load(src + i) + v).Store(dst + i);
        for (; i < count; i++) dst[i] = src[i] + value;
    }

    /// <summary>Σ row[i], in a fixed order for a given length.</summary>
    public static float Sum(float* row, int count)
    {
        var acc = Vector<float>.Zero;
        int i = 0;
        for (; i <= count - Vector<float>.Count; i += Vector<float>.Count) acc += Vector.Load(row + i);
        float sum = Vector.Sum(acc);
        for (; i < count; i++) sum += row[i];
        return sum;
    }

    /// <summary>dst[i] += src[i].</summary>
    public static void Add(float* src, float* dst, int count)
    {
        int i = 0;
        for (; i <= count - Vector<float>.Count; i += Vector<float>.Count) (Vector.Load(dst + i) + Vector.Load(src + i)).Store(dst + i);
        for (; i < count; i++) dst[i] += src[i];
    }
}

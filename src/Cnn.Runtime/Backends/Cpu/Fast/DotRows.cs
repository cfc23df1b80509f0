using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// y[o] = x·W[o] (+ b[o]) for a range of rows of a row-major W: a matrix–vector product that reads
/// each weight once, four rows at a time against one pass over x, with two accumulators per row to
/// hide the FMA latency. What a linear layer runs for a batch of one, where a GEMM would pack all of W.
/// </summary>
internal static unsafe class DotRows
{
    /// <summary>Rows [<paramref name="first"/>, <paramref name="end"/>) of W (<paramref name="length"/> columns); <paramref name="b"/> may be null.</summary>
    public static void Run(float* x, float* w, float* b, float* y, int length, int first, int end) =>
        Run(x, w, length, b, y, length, first, end);

    /// <summary>Like <see cref="Run(float*, float*, float*, float*, int, int, int)"/>, with the rows of W <paramref name="stride"/> floats apart.</summary>
    public static void Run(float* x, float* w, long stride, float* b, float* y, int length, int first, int end)
    {
        int o = first;
        for (; o + 4 <= end; o += 4)
        {
            float* w0 = w + o * stride;
            if (Vector512.IsHardwareAccelerated) Four512(x, w0, stride, length, y + o);
            else Four256(x, w0, stride, length, y + o);
        }
        for (; o < end; o++) y[o] = Dot(x, w + o * stride, length);
        if (b != null)
            for (o = first; o < end; o++) y[o] += b[o];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Four512(float* x, float* w, long stride, int n, float* y)
    {
        float* w1 = w + stride, w2 = w1 + stride, w3 = w2 + stride;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        int i = 0;
        for (; i + 32 <= n; i += 32)
        {
            Vector512<float> v = Vector512.Load(x + i), u = Vector512.Load(x + i + 16);
            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(w + i), v, a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.Load(w1 + i), v, a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.Load(w2 + i), v, a2);
            a3 = Vector512.FusedMultiplyAdd(Vector512.Load(w3 + i), v, a3);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Load(w + i + 16), u, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Load(w1 + i + 16), u, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Load(w2 + i + 16), u, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Load(w3 + i + 16), u, c3);
        }
        if (i + 16 <= n)
        {
            Vector512<float> v = Vector512.Load(x + i);
            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(w + i), v, a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.Load(w1 + i), v, a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.Load(w2 + i), v, a2);
            a3 = Vector512.FusedMultiplyAdd(Vector512.Load(w3 + i), v, a3);
            i += 16;
        }
        float s0 = Vector512.Sum(a0 + c0), s1 = Vector512.Sum(a1 + c1), s2 = Vector512.Sum(a2 + c2), s3 = Vector512.Sum(a3 + c3);
        for (; i < n; i++)
        {
            float v = x[i];
            s0 += w[i] * v;
            s1 += w1[i] * v;
            s2 += w2[i] * v;
            s3 += w3[i] * v;
        }
        y[0] = s0;
        y[1] = s1;
        y[2] = s2;
        y[3] = s3;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Four256(float* x, float* w, long stride, int n, float* y)
    {
        float* w1 = w + stride, w2 = w1 + stride, w3 = w2 + stride;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            Vector256<float> v = Vector256.Load(x + i), u = Vector256.Load(x + i + 8);
            a0 = Vector256.FusedMultiplyAdd(Vector256.Load(w + i), v, a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.Load(w1 + i), v, a1);
            a2 = Vector256.FusedMultiplyAdd(Vector256.Load(w2 + i), v, a2);
            a3 = Vector256.FusedMultiplyAdd(Vector256.Load(w3 + i), v, a3);
            c0 = Vector256.FusedMultiplyAdd(Vector256.Load(w + i + 8), u, c0);
            c1 = Vector256.FusedMultiplyAdd(Vector256.Load(w1 + i + 8), u, c1);
            c2 = Vector256.FusedMultiplyAdd(Vector256.Load(w2 + i + 8), u, c2);
            c3 = Vector256.FusedMultiplyAdd(Vector256.Load(w3 + i + 8), u, c3);
        }
        float s0 = Vector256.Sum(a0 + c0), s1 = Vector256.Sum(a1 + c1), s2 = Vector256.Sum(a2 + c2), s3 = Vector256.Sum(a3 + c3);
        for (; i < n; i++)
        {
            float v = x[i];
            s0 += w[i] * v;
            s1 += w1[i] * v;
            s2 += w2[i] * v;
            s3 += w3[i] * v;
        }
        y[0] = s0;
        y[1] = s1;
        y[2] = s2;
        y[3] = s3;
    }

    private static float Dot(float* x, float* w, int n)
    {
        int i = 0;
        Vector256<float> acc = default;
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8) acc = Vector256.FusedMultiplyAdd(Vector256.Load(w + i), Vector256.Load(x + i), acc);
        float s = Vector256.Sum(acc);
        for (; i < n; i++) s += w[i] * x[i];
        return s;
    }
}

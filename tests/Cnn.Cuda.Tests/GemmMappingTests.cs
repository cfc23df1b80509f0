using Cnn.Backends.Cpu.Reference;
using Cnn.Backends;
using Cnn.Cuda.Operators;
using Xunit;

namespace Cnn.Cuda.Tests;

/// <summary>
/// The row-major linear layer mapped onto column-major GEMM calls, run through a plain column-major
/// SGEMM written from cuBLAS's definition, against the reference linear layer.
/// </summary>
public class GemmMappingTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 4)]
    [InlineData(7, 16, 10)]
    [InlineData(2, 9, 1)]
    public void ForwardAndBothGradients_MatchTheReferenceLinearLayer(int batch, int inFeatures, int outFeatures)
    {
        var g = new LinearGeometry(batch, inFeatures, outFeatures, HasBias: false);
        float[] x = RandomTestData.Uniform(batch * inFeatures, 1), w = RandomTestData.Uniform(outFeatures * inFeatures, 2),
            dy = RandomTestData.Uniform(batch * outFeatures, 3);

        float[] expected = new float[batch * outFeatures];
        LinearReference.Forward<float>(g, batch, x, w, default, expected);
        float[] y = new float[batch * outFeatures];
        ColumnMajorSgemm(RowMajorGemm.Forward(batch, inFeatures, outFeatures), w, x, y);
        AssertClose(expected, y);

        float[] expectedDx = new float[batch * inFeatures], expectedDw = new float[outFeatures * inFeatures];
        LinearReference.Backward<float>(g, batch, x, w, dy, expectedDx, expectedDw, default);
        float[] dx = new float[batch * inFeatures], dw = new float[outFeatures * inFeatures];
        ColumnMajorSgemm(RowMajorGemm.InputGradient(batch, inFeatures, outFeatures), w, dy, dx);
        ColumnMajorSgemm(RowMajorGemm.WeightGradient(batch, inFeatures, outFeatures), x, dy, dw);
        AssertClose(expectedDx, dx);
        AssertClose(expectedDw, dw);
    }

    [Fact]
    public void LeadingDimensions_AreAtLeastTheRowsTheyStride()
    {
        foreach (GemmCall call in new[] { RowMajorGemm.Forward(4, 6, 3), RowMajorGemm.InputGradient(4, 6, 3), RowMajorGemm.WeightGradient(4, 6, 3) })
        {
            Assert.True(call.Lda >= (call.TransposeA ? call.K : call.M), call.ToString());
            Assert.True(call.Ldb >= (call.TransposeB ? call.N : call.K), call.ToString());
            Assert.True(call.Ldc >= call.M, call.ToString());
        }
    }

    /// <summary>C = op(A)·op(B) with every matrix column-major, as cublasSgemm defines it (alpha 1, beta 0).</summary>
    private static void ColumnMajorSgemm(GemmCall c, float[] a, float[] b, float[] result)
    {
        for (int i = 0; i < c.M; i++)
        for (int j = 0; j < c.N; j++)
        {
            double sum = 0;
            for (int k = 0; k < c.K; k++)
            {
                float aik = c.TransposeA ? a[k + i * c.Lda] : a[i + k * c.Lda];
                float bkj = c.TransposeB ? b[j + k * c.Ldb] : b[k + j * c.Ldb];
                sum += aik * bkj;
            }
            result[i + j * c.Ldc] = (float)sum;
        }
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f, $"element {i}: {expected[i]} vs {actual[i]}");
    }
}

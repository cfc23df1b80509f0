namespace Cnn.Cuda.Operators;

/// <summary>
/// One column-major GEMM call, C(m×n) = op(A)(m×k) · op(B)(k×n), as cuBLAS takes it.
/// </summary>
internal readonly record struct GemmCall(bool TransposeA, bool TransposeB, int M, int N, int K, int Lda, int Ldb, int Ldc);

/// <summary>
/// The linear layer's row-major products as column-major cuBLAS calls. A row-major R×C matrix is,
/// read column-major, its C×R transpose with leading dimension C; so each product is computed
/// transposed: for Y = X·Wᵀ, column-major Yᵀ = W'ᵀ·X' where W' and X' are the row-major buffers as
/// cuBLAS sees them.
/// </summary>
internal static class RowMajorGemm
{
    /// <summary>y[N,out] = x[N,in]·W[out,in]ᵀ: C = yᵀ (out×N), A = W read as in×out and transposed, B = x read as in×N.</summary>
    public static GemmCall Forward(int batch, int inFeatures, int outFeatures) =>
        new(TransposeA: true, TransposeB: false, M: outFeatures, N: batch, K: inFeatures, Lda: inFeatures, Ldb: inFeatures, Ldc: outFeatures);

    /// <summary>dx[N,in] = dy[N,out]·W[out,in]: C = dxᵀ (in×N), A = W read as in×out, B = dy read as out×N.</summary>
    public static GemmCall InputGradient(int batch, int inFeatures, int outFeatures) =>
        new(TransposeA: false, TransposeB: false, M: inFeatures, N: batch, K: outFeatures, Lda: inFeatures, Ldb: outFeatures, Ldc: inFeatures);

    /// <summary>dW[out,in] = dy[N,out]ᵀ·x[N,in]: C = dWᵀ (in×out), A = x read as in×N, B = dy read as out×N and transposed.</summary>
    public static GemmCall WeightGradient(int batch, int inFeatures, int outFeatures) =>
        new(TransposeA: false, TransposeB: true, M: inFeatures, N: outFeatures, K: batch, Lda: inFeatures, Ldb: outFeatures, Ldc: inFeatures);
}

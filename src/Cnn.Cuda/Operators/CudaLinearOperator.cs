using Cnn.Backends;
using Cnn.Cuda.Interop;
using Cnn.Cuda.Native;

namespace Cnn.Cuda.Operators;

/// <summary>A fully connected layer through cuBLAS SGEMM (see <see cref="RowMajorGemm"/>), with the bias added and summed by the backend's kernels.</summary>
internal sealed unsafe class CudaLinearOperator : ILinearOperator
{
    private readonly CudaBackend _backend;
    private readonly LinearGeometry _g;
    private readonly string _forwardOperation, _backwardOperation;

    public CudaLinearOperator(CudaBackend backend, in LinearGeometry geometry)
    {
        GeometryChecks.Validate(geometry);
        _backend = backend;
        _g = geometry;
        _forwardOperation = $"Linear {geometry.InFeatures}→{geometry.OutFeatures}, forward";
        _backwardOperation = $"Linear {geometry.InFeatures}→{geometry.OutFeatures}, backward";
    }

    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output)
    {
        _backend.Enter();
        GeometryChecks.Batch(batch, _g.MaxBatch);
        ulong x = _backend.Pointer(input, (long)batch * _g.InFeatures, nameof(input));
        ulong w = _backend.Pointer(weight, _g.WeightSize, nameof(weight));
        ulong b = _g.HasBias ? _backend.Pointer(bias, _g.OutFeatures, nameof(bias)) : 0;
        ulong y = _backend.Pointer(output, (long)batch * _g.OutFeatures, nameof(output));
        if (batch == 0) return;
        Gemm(RowMajorGemm.Forward(batch, _g.InFeatures, _g.OutFeatures), w, x, y, _forwardOperation);
        if (!_g.HasBias) return;
        long rows = batch;
        int columns = _g.OutFeatures;
        void** args = stackalloc void*[] { &y, &b, &rows, &columns };
        _backend.Launch(_backend.Kernels.AddRowBias, rows * columns, args, "cnn_add_row_bias", _forwardOperation);
    }

    public void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient)
    {
        _backend.Enter();
        GeometryChecks.Batch(batch, _g.MaxBatch);
        ulong x = _backend.Pointer(input, (long)batch * _g.InFeatures, nameof(input));
        ulong w = _backend.Pointer(weight, _g.WeightSize, nameof(weight));
        ulong dy = _backend.Pointer(outputGradient, (long)batch * _g.OutFeatures, nameof(outputGradient));
        ulong dx = _backend.OptionalPointer(inputGradient, (long)batch * _g.InFeatures, nameof(inputGradient));
        // An empty weight or bias gradient is not computed (a frozen parameter), as an empty input gradient.
        ulong dw = _backend.OptionalPointer(weightGradient, _g.WeightSize, nameof(weightGradient));
        ulong db = _g.HasBias ? _backend.OptionalPointer(biasGradient, _g.OutFeatures, nameof(biasGradient)) : 0;
        if (batch == 0)
        {
            // Gradients are overwritten: over no samples they are zero.
            if (dw != 0) _backend.Fill(weightGradient.Slice(0, _g.WeightSize), 0f);
            if (db != 0) _backend.Fill(biasGradient.Slice(0, _g.OutFeatures), 0f);
            return;
        }
        if (dx != 0) Gemm(RowMajorGemm.InputGradient(batch, _g.InFeatures, _g.OutFeatures), w, dy, dx, _backwardOperation);
        if (dw != 0) Gemm(RowMajorGemm.WeightGradient(batch, _g.InFeatures, _g.OutFeatures), x, dy, dw, _backwardOperation);
        if (db == 0) return;
        int rows = batch, columns = _g.OutFeatures;
        void** args = stackalloc void*[] { &dy, &db, &rows, &columns };
        _backend.Launch(_backend.Kernels.SumRows, columns, args, "cnn_sum_rows", _backwardOperation);
    }

    /// <summary>C = op(A)·op(B), overwriting C (beta = 0).</summary>
    private void Gemm(GemmCall call, ulong a, ulong b, ulong c, string operation)
    {
        float one = 1f, zero = 0f;
        int status = Cublas.cublasSgemm_v2(_backend.CublasHandle, call.TransposeA ? Cublas.OpT : Cublas.OpN, call.TransposeB ? Cublas.OpT : Cublas.OpN,
            call.M, call.N, call.K, &one, a, call.Lda, b, call.Ldb, &zero, c, call.Ldc);
        if (status != 0) throw Cublas.Error(status, "cublasSgemm", $"{_backend.Name}: {operation}, {call}");
    }
}

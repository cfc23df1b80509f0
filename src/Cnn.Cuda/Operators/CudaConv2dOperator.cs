using Cnn.Backends;
using Cnn.Cuda.Interop;
using Cnn.Cuda.Native;

namespace Cnn.Cuda.Operators;

/// <summary>
/// A convolution through cuDNN. For each batch size it meets, and each direction (forward, backward
/// data, backward filter), it measures every algorithm once with cudnnFind*AlgorithmEx on the real
/// tensors and keeps the fastest that fits the workspace limit (and, with TF32 off, that runs in FMA
/// math), together with its workspace size.
/// </summary>
internal sealed unsafe class CudaConv2dOperator : IConv2dOperator, IDisposable
{
    private readonly CudaBackend _backend;
    private readonly Conv2dGeometry _g;
    private readonly CudnnDescriptor _x, _y, _bias, _w;
    private readonly CudnnDescriptor _forwardConvolution, _dataConvolution, _filterConvolution;
    private readonly Dictionary<int, Algorithm> _forward = [], _data = [], _filter = [];
    private readonly string _forwardOperation, _backwardOperation;
    private int _describedBatch = -1;

    public CudaConv2dOperator(CudaBackend backend, in Conv2dGeometry geometry)
    {
        GeometryChecks.Validate(geometry);
        _backend = backend;
        _g = geometry;
        string shape = $"Conv2d {geometry.InChannels}→{geometry.OutChannels} {geometry.KernelHeight}×{geometry.KernelWidth}" +
            $" stride {geometry.StrideHeight}×{geometry.StrideWidth} padding {geometry.PaddingHeight}×{geometry.PaddingWidth}" +
            (geometry.DilationHeight * geometry.DilationWidth != 1 ? $" dilation {geometry.DilationHeight}×{geometry.DilationWidth}" : "") +
            (geometry.Groups != 1 ? $" groups {geometry.Groups}" : "") +
            $" on {geometry.InChannels}×{geometry.InHeight}×{geometry.InWidth}";
        _forwardOperation = $"{backend.Name}: {shape}, forward";
        _backwardOperation = $"{backend.Name}: {shape}, backward";
        string operation = $"{backend.Name}: {shape}, preparing";

        _x = CudnnDescriptor.Tensor4d(geometry.MaxBatch, geometry.InChannels, geometry.InHeight, geometry.InWidth, operation);
        _y = CudnnDescriptor.Tensor4d(geometry.MaxBatch, geometry.OutChannels, geometry.OutHeight, geometry.OutWidth, operation);
        _bias = CudnnDescriptor.Tensor4d(1, geometry.OutChannels, 1, 1, operation);
        _w = CudnnDescriptor.Create(CudnnDescriptorKind.Filter, operation);
        Cudnn.Check(Cudnn.cudnnSetFilter4dDescriptor(_w.Value, Cudnn.DataFloat, Cudnn.TensorNchw, geometry.OutChannels, geometry.InChannels / geometry.Groups,
            geometry.KernelHeight, geometry.KernelWidth), "cudnnSetFilter4dDescriptor", operation);
        // One descriptor per direction, because each keeps the math type of the algorithm chosen for it.
        _forwardConvolution = Convolution(operation);
        _dataConvolution = Convolution(operation);
        _filterConvolution = Convolution(operation);

        Cudnn.Check(Cudnn.cudnnGetConvolution2dForwardOutputDim(_forwardConvolution.Value, _x.Value, _w.Value, out int n, out int c, out int h, out int w),
            "cudnnGetConvolution2dForwardOutputDim", operation);
        if (n != geometry.MaxBatch || c != geometry.OutChannels || h != geometry.OutHeight || w != geometry.OutWidth)
            throw new InvalidOperationException($"{operation}: cuDNN computes a {n}×{c}×{h}×{w} output, not the geometry's {geometry.MaxBatch}×{geometry.OutChannels}×{geometry.OutHeight}×{geometry.OutWidth}.");
        _describedBatch = geometry.MaxBatch;
    }

    private CudnnDescriptor Convolution(string operation)
    {
        CudnnDescriptor d = CudnnDescriptor.Create(CudnnDescriptorKind.Convolution, operation);
        Cudnn.Check(Cudnn.cudnnSetConvolution2dDescriptor(d.Value, _g.PaddingHeight, _g.PaddingWidth, _g.StrideHeight, _g.StrideWidth,
            _g.DilationHeight, _g.DilationWidth, Cudnn.CrossCorrelation, Cudnn.DataFloat), "cudnnSetConvolution2dDescriptor", operation);
        Cudnn.Check(Cudnn.cudnnSetConvolutionGroupCount(d.Value, _g.Groups), "cudnnSetConvolutionGroupCount", operation);
        Cudnn.Check(Cudnn.cudnnSetConvolutionMathType(d.Value, _backend.Options.AllowTf32 ? Cudnn.TensorOpMath : Cudnn.FmaMath), "cudnnSetConvolutionMathType", operation);
        return d;
    }

    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output)
    {
        _backend.Enter();
        GeometryChecks.Batch(batch, _g.MaxBatch);
        ulong x = _backend.Pointer(input, (long)batch * _g.InputSize, nameof(input));
        ulong w = _backend.Pointer(weight, _g.WeightSize, nameof(weight));
        ulong b = _g.HasBias ? _backend.Pointer(bias, _g.OutChannels, nameof(bias)) : 0;
        ulong y = _backend.Pointer(output, (long)batch * _g.OutputSize, nameof(output));
        if (batch == 0) return;
        Describe(batch, _forwardOperation);
        nint handle = _backend.CudnnHandle;
        if (!_forward.TryGetValue(batch, out Algorithm algorithm))
        {
            algorithm = Search(Direction.Forward, batch, x, w, y, _forwardOperation);
            _forward[batch] = algorithm;
        }
        ulong workspace = _backend.Workspace(algorithm.WorkspaceBytes, _forwardOperation);
        float one = 1f, zero = 0f;
        Check(Cudnn.cudnnConvolutionForward(handle, &one, _x.Value, x, _w.Value, w, _forwardConvolution.Value, algorithm.Id,
            workspace, (nuint)algorithm.WorkspaceBytes, &zero, _y.Value, y), "cudnnConvolutionForward", _forwardOperation, batch);
        if (_g.HasBias)
            Check(Cudnn.cudnnAddTensor(handle, &one, _bias.Value, b, &one, _y.Value, y), "cudnnAddTensor", _forwardOperation, batch);
    }

    public void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient)
    {
        _backend.Enter();
        GeometryChecks.Batch(batch, _g.MaxBatch);
        ulong x = _backend.Pointer(input, (long)batch * _g.InputSize, nameof(input));
        ulong w = _backend.Pointer(weight, _g.WeightSize, nameof(weight));
        ulong dy = _backend.Pointer(outputGradient, (long)batch * _g.OutputSize, nameof(outputGradient));
        ulong dx = _backend.OptionalPointer(inputGradient, (long)batch * _g.InputSize, nameof(inputGradient));
        // An empty weight or bias gradient is not computed (a frozen parameter), as an empty input gradient.
        ulong dw = _backend.OptionalPointer(weightGradient, _g.WeightSize, nameof(weightGradient));
        ulong db = _g.HasBias ? _backend.OptionalPointer(biasGradient, _g.OutChannels, nameof(biasGradient)) : 0;
        if (batch == 0)
        {
            // Gradients are overwritten: over no samples they are zero.
            if (dw != 0) _backend.Fill(weightGradient.Slice(0, _g.WeightSize), 0f);
            if (db != 0) _backend.Fill(biasGradient.Slice(0, _g.OutChannels), 0f);
            return;
        }
        Describe(batch, _backwardOperation);
        nint handle = _backend.CudnnHandle;
        float one = 1f, zero = 0f;

        // Parameter gradients are overwritten (beta = 0), not accumulated.
        if (db != 0)
            Check(Cudnn.cudnnConvolutionBackwardBias(handle, &one, _y.Value, dy, &zero, _bias.Value, db), "cudnnConvolutionBackwardBias", _backwardOperation, batch);

        ulong workspace;
        if (dw != 0)
        {
            if (!_filter.TryGetValue(batch, out Algorithm filter))
            {
                filter = Search(Direction.Filter, batch, x, dy, dw, _backwardOperation);
                _filter[batch] = filter;
            }
            workspace = _backend.Workspace(filter.WorkspaceBytes, _backwardOperation);
            Check(Cudnn.cudnnConvolutionBackwardFilter(handle, &one, _x.Value, x, _y.Value, dy, _filterConvolution.Value, filter.Id,
                workspace, (nuint)filter.WorkspaceBytes, &zero, _w.Value, dw), "cudnnConvolutionBackwardFilter", _backwardOperation, batch);
        }

        if (dx == 0) return;
        if (!_data.TryGetValue(batch, out Algorithm data))
        {
            data = Search(Direction.Data, batch, w, dy, dx, _backwardOperation);
            _data[batch] = data;
        }
        workspace = _backend.Workspace(data.WorkspaceBytes, _backwardOperation);
        Check(Cudnn.cudnnConvolutionBackwardData(handle, &one, _w.Value, w, _y.Value, dy, _dataConvolution.Value, data.Id,
            workspace, (nuint)data.WorkspaceBytes, &zero, _x.Value, dx), "cudnnConvolutionBackwardData", _backwardOperation, batch);
    }

    /// <summary>Sets the tensor descriptors' batch (a host-side change, cheap).</summary>
    private void Describe(int batch, string operation)
    {
        if (batch == _describedBatch) return;
        _x.SetTensor4d(batch, _g.InChannels, _g.InHeight, _g.InWidth, operation);
        _y.SetTensor4d(batch, _g.OutChannels, _g.OutHeight, _g.OutWidth, operation);
        _describedBatch = batch;
    }

    internal enum Direction
    {
        Forward,
        Data,
        Filter,
    }

    // cuDNN's FFT and Winograd algorithm ids per direction (cudnnConvolutionFwdAlgo_t,
    // cudnnConvolutionBwdDataAlgo_t, cudnnConvolutionBwdFilterAlgo_t).
    private static readonly int[] ForwardFftOrWinograd = [4, 5, 6, 7];  // FFT, FFT_TILING, WINOGRAD, WINOGRAD_NONFUSED
    private static readonly int[] DataFftOrWinograd = [2, 3, 4, 5];     // FFT, FFT_TILING, WINOGRAD, WINOGRAD_NONFUSED
    private static readonly int[] FilterFftOrWinograd = [2, 4, 5, 6];   // FFT, WINOGRAD, WINOGRAD_NONFUSED, FFT_TILING

    /// <summary>Whether <paramref name="algorithm"/> is one of cuDNN's FFT or Winograd algorithms for <paramref name="direction"/>.</summary>
    internal static bool IsFftOrWinograd(Direction direction, int algorithm) => direction switch
    {
        Direction.Forward => ForwardFftOrWinograd.Contains(algorithm),
        Direction.Data => DataFftOrWinograd.Contains(algorithm),
        _ => FilterFftOrWinograd.Contains(algorithm),
    };

    private readonly record struct Algorithm(int Id, long WorkspaceBytes);

    /// <summary>
    /// Measures the algorithms for one direction on the real tensors (the search overwrites the output,
    /// which the call that follows overwrites again) and returns the fastest usable one.
    /// </summary>
    private Algorithm Search(Direction direction, int batch, ulong a, ulong b, ulong result, string operation)
    {
        string where = Batched(operation, batch);
        if (_backend.IsCapturing)
            throw new InvalidOperationException($"{where}: no algorithm was chosen for this batch size before the CUDA graph capture began. Run the step once before capturing it.");
        nint handle = _backend.CudnnHandle;
        CudnnDescriptor convolution = direction switch { Direction.Forward => _forwardConvolution, Direction.Data => _dataConvolution, _ => _filterConvolution };
        int mathType = _backend.Options.AllowTf32 ? Cudnn.TensorOpMath : Cudnn.FmaMath;
        Cudnn.Check(Cudnn.cudnnSetConvolutionMathType(convolution.Value, mathType), "cudnnSetConvolutionMathType", where);

        // The search gets as much workspace as the most demanding algorithm asks for, within the limit.
        int count = MaxAlgorithms(direction, where);
        long limit = Math.Min(_backend.Options.MaxConvolutionWorkspaceBytes, _backend.MemoryInfo.Free / 2);
        long searchBytes = 0;
        for (int id = 0; id < count; id++)
        {
            long bytes = WorkspaceSize(direction, convolution, id);
            if (bytes >= 0 && bytes <= limit) searchBytes = Math.Max(searchBytes, bytes);
        }
        ulong workspace = _backend.Workspace(searchBytes, where);

        var results = new ConvolutionAlgorithmPerformance[count];
        int found, status;
        fixed (ConvolutionAlgorithmPerformance* r = results)
        {
            status = direction switch
            {
                Direction.Forward => Cudnn.cudnnFindConvolutionForwardAlgorithmEx(handle, _x.Value, a, _w.Value, b, convolution.Value, _y.Value, result,
                    count, out found, r, workspace, (nuint)searchBytes),
                Direction.Data => Cudnn.cudnnFindConvolutionBackwardDataAlgorithmEx(handle, _w.Value, a, _y.Value, b, convolution.Value, _x.Value, result,
                    count, out found, r, workspace, (nuint)searchBytes),
                _ => Cudnn.cudnnFindConvolutionBackwardFilterAlgorithmEx(handle, _x.Value, a, _y.Value, b, convolution.Value, _w.Value, result,
                    count, out found, r, workspace, (nuint)searchBytes),
            };
        }
        string function = direction switch
        {
            Direction.Forward => "cudnnFindConvolutionForwardAlgorithmEx",
            Direction.Data => "cudnnFindConvolutionBackwardDataAlgorithmEx",
            _ => "cudnnFindConvolutionBackwardFilterAlgorithmEx",
        };
        Cudnn.Check(status, function, where);

        // Results come sorted by time. With TF32 off, tensor-op results are skipped and the descriptor
        // stays in FMA math (DEFAULT_MATH would allow TF32 on Ampere and later); with TF32 on, it takes
        // the chosen result's math type. Its workspace is then asked for again with that math type.
        for (int i = 0; i < found; i++)
        {
            ConvolutionAlgorithmPerformance p = results[i];
            if (p.Status != 0 || (long)p.Memory > searchBytes) continue;
            if (_backend.Options.ExcludeFftAndWinograd && IsFftOrWinograd(direction, p.Algorithm)) continue;
            if (!_backend.Options.AllowTf32 && p.MathType != Cudnn.FmaMath && p.MathType != Cudnn.DefaultMath) continue;
            int chosenMath = _backend.Options.AllowTf32 ? p.MathType : Cudnn.FmaMath;
            Cudnn.Check(Cudnn.cudnnSetConvolutionMathType(convolution.Value, chosenMath), "cudnnSetConvolutionMathType", where);
            long bytes = WorkspaceSize(direction, convolution, p.Algorithm);
            if (bytes < 0) continue;
            return new Algorithm(p.Algorithm, Math.Max(bytes, (long)p.Memory));
        }
        throw new InvalidOperationException($"{where}: cuDNN found no usable {direction.ToString().ToLowerInvariant()} algorithm among {found} " +
            $"(workspace limit {limit:N0} bytes{(_backend.Options.AllowTf32 ? "" : ", no tensor-op math because TF32 is off")}{(_backend.Options.ExcludeFftAndWinograd ? ", FFT and Winograd excluded" : "")}): " +
            string.Join(", ", results.Take(found).Select(p => $"algo {p.Algorithm} status {StatusNames.Cudnn(p.Status)} math {p.MathType} memory {p.Memory}")));
    }

    private int MaxAlgorithms(Direction direction, string where)
    {
        nint handle = _backend.CudnnHandle;
        int count;
        switch (direction)
        {
            case Direction.Forward:
                Cudnn.Check(Cudnn.cudnnGetConvolutionForwardAlgorithmMaxCount(handle, out count), "cudnnGetConvolutionForwardAlgorithmMaxCount", where);
                break;
            case Direction.Data:
                Cudnn.Check(Cudnn.cudnnGetConvolutionBackwardDataAlgorithmMaxCount(handle, out count), "cudnnGetConvolutionBackwardDataAlgorithmMaxCount", where);
                break;
            default:
                Cudnn.Check(Cudnn.cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(handle, out count), "cudnnGetConvolutionBackwardFilterAlgorithmMaxCount", where);
                break;
        }
        return Math.Max(count, 1);
    }

    /// <summary>The workspace <paramref name="algorithm"/> needs, or −1 when cuDNN does not support it for this shape.</summary>
    private long WorkspaceSize(Direction direction, CudnnDescriptor convolution, int algorithm)
    {
        nint handle = _backend.CudnnHandle;
        nuint bytes;
        int status = direction switch
        {
            Direction.Forward => Cudnn.cudnnGetConvolutionForwardWorkspaceSize(handle, _x.Value, _w.Value, convolution.Value, _y.Value, algorithm, out bytes),
            Direction.Data => Cudnn.cudnnGetConvolutionBackwardDataWorkspaceSize(handle, _w.Value, _y.Value, convolution.Value, _x.Value, algorithm, out bytes),
            _ => Cudnn.cudnnGetConvolutionBackwardFilterWorkspaceSize(handle, _x.Value, _y.Value, convolution.Value, _w.Value, algorithm, out bytes),
        };
        return status == 0 ? (long)bytes : -1;
    }

    private static string Batched(string operation, int batch) => $"{operation}, batch {batch}";

    /// <summary>Checks a status, building the message (with the batch) only on failure: a step allocates nothing.</summary>
    private static void Check(int status, string function, string operation, int batch)
    {
        if (status != 0) throw Cudnn.Error(status, function, Batched(operation, batch));
    }

    public void Dispose()
    {
        _x.Dispose();
        _y.Dispose();
        _bias.Dispose();
        _w.Dispose();
        _forwardConvolution.Dispose();
        _dataConvolution.Dispose();
        _filterConvolution.Dispose();
    }
}

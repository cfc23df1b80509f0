using Cnn.Cuda.Interop;
using Cnn.Cuda.Native;

namespace Cnn.Cuda.Kernels;

/// <summary>The compiled kernels loaded into one context, with a function handle per kernel.</summary>
internal sealed unsafe class KernelModule : IDisposable
{
    private readonly CudaModuleHandle _module;

    private KernelModule(CudaModuleHandle module, CompiledKernels compiled)
    {
        _module = module;
        Compiled = compiled;
        nint Get(string name)
        {
            CudaDriver.Check(CudaDriver.cuModuleGetFunction(out nint function, module.Value, name), "cuModuleGetFunction", $"looking up kernel {name}");
            return function;
        }
        Add = Get("cnn_add");
        Multiply = Get("cnn_multiply");
        CopyStrided = Get("cnn_copy_strided");
        LeakyReluForward = Get("cnn_leaky_relu_forward");
        LeakyReluBackward = Get("cnn_leaky_relu_backward");
        SiluForward = Get("cnn_silu_forward");
        SiluBackward = Get("cnn_silu_backward");
        GeluForward = Get("cnn_gelu_forward");
        GeluBackward = Get("cnn_gelu_backward");
        AddRowBias = Get("cnn_add_row_bias");
        SumRows = Get("cnn_sum_rows");
        PoolForward = Get("cnn_pool_forward");
        PoolBackward = Get("cnn_pool_backward");
        ReluForwardMask = Get("cnn_relu_forward_mask");
        ReluBackwardMask = Get("cnn_relu_backward_mask");
        MaxPoolForwardIndices = Get("cnn_max_pool_forward_indices");
        MaxPoolBackwardIndices = Get("cnn_max_pool_backward_indices");
        SoftmaxCrossEntropy = Get("cnn_softmax_cross_entropy");
        NllLoss = Get("cnn_nll_loss");
        ProbabilityCrossEntropy = Get("cnn_probability_cross_entropy");
        LossMean = Get("cnn_loss_mean");
        Penalty = Get("cnn_penalty");
        PenaltyTotal = Get("cnn_penalty_total");
        SgdStep = Get("cnn_sgd_step");
        AdamStep = Get("cnn_adam_step");
        AdamSchedule = Get("cnn_adam_schedule");
        AdamStepScheduled = Get("cnn_adam_step_scheduled");
        DropoutForward = Get("cnn_dropout_forward");
        IncrementU64 = Get("cnn_increment_u64");
        IncrementF32 = Get("cnn_increment_f32");
        BatchNormBackwardEval = Get("cnn_batch_norm_backward_eval");
    }

    public CompiledKernels Compiled { get; }

    public nint Add { get; }
    public nint Multiply { get; }
    public nint CopyStrided { get; }
    public nint LeakyReluForward { get; }
    public nint LeakyReluBackward { get; }
    public nint SiluForward { get; }
    public nint SiluBackward { get; }
    public nint GeluForward { get; }
    public nint GeluBackward { get; }
    public nint AddRowBias { get; }
    public nint SumRows { get; }
    public nint PoolForward { get; }
    public nint PoolBackward { get; }
    public nint ReluForwardMask { get; }
    public nint ReluBackwardMask { get; }
    public nint MaxPoolForwardIndices { get; }
    public nint MaxPoolBackwardIndices { get; }
    public nint SoftmaxCrossEntropy { get; }
    public nint NllLoss { get; }
    public nint ProbabilityCrossEntropy { get; }
    public nint LossMean { get; }
    public nint Penalty { get; }
    public nint PenaltyTotal { get; }
    public nint SgdStep { get; }
    public nint AdamStep { get; }
    public nint AdamSchedule { get; }
    public nint AdamStepScheduled { get; }
    public nint DropoutForward { get; }
    public nint IncrementU64 { get; }
    public nint IncrementF32 { get; }
    public nint BatchNormBackwardEval { get; }

    /// <summary>Compiles (once per process) and loads the kernels into <paramref name="context"/>, which must be current.</summary>
    public static KernelModule Load(PrimaryContextHandle context, int computeCapability, string operation)
    {
        CompiledKernels compiled = KernelCompiler.For(computeCapability, operation);
        nint module;
        fixed (byte* image = compiled.Image)
        {
            int status = CudaDriver.cuModuleLoadData(out module, image);
            if (status != 0)
                throw CudaDriver.Error(status, "cuModuleLoadData", $"{operation}: loading the kernels NVRTC {compiled.NvrtcVersion} compiled for {compiled.Target}");
        }
        return new KernelModule(new CudaModuleHandle(context, module), compiled);
    }

    public void Dispose() => _module.Dispose();
}

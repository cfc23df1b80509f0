namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Where <see cref="Sgemm"/> gets its B operand from: whatever packs rows [pc, pc + kc) of columns
/// [jc, jc + nc) of B into <see cref="GemmWorkspace.PackB"/>, in NR-column panels (the last one
/// <see cref="SgemmKernels.PanelWidth"/> wide), panel q at float q·kc of the buffer. A struct, so that
/// the JIT compiles one GEMM per source with the call inlined.
/// </summary>
internal unsafe interface IPanelSource
{
    /// <summary>Packs the block of B whose rows start at <paramref name="pc"/> and columns at <paramref name="jc"/>.</summary>
    void Pack(GemmWorkspace ws, int pc, int kc, int jc, int nc);
}

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Writes x64 machine code for the handful of instructions the run-time generated kernels use:
/// AVX-512 (EVEX-encoded, 512-bit) loads, stores, adds, broadcasts and <c>vdpbf16ps</c>, and the
/// general-purpose arithmetic and branches of a counted loop. .NET has no intrinsic for
/// <c>vdpbf16ps</c> (AVX512_BF16), so its kernels are emitted here, the way oneDNN's JIT does.
/// Memory operands are [base + displacement] only, with EVEX's compressed 8-bit displacement.
/// Every encoding was checked against GNU as/objdump while it was written.
/// </summary>
internal sealed class X64Emitter
{
    /// <summary>General-purpose registers, numbered as the encoding numbers them.</summary>
    public enum Gpr { Rax, Rcx, Rdx, Rbx, Rsp, Rbp, Rsi, Rdi, R8, R9, R10, R11, R12, R13, R14, R15 }

    private readonly List<byte> _code = [];

    /// <summary>The code written so far.</summary>
    public byte[] ToArray() => [.. _code];

    /// <summary>The offset of the next instruction: a branch target.</summary>
    public int Position => _code.Count;

    /// <summary><c>vpxord zmm, zmm, zmm</c> with all three the same: zeroes the register.</summary>
    public void ZeroZmm(int zmm) => EvexRegister(map: 1, pp: 1, opcode: 0xEF, reg: zmm, vvvv: zmm, rm: zmm);

    /// <summary><c>vmovups zmm, [base + displacement]</c>.</summary>
    public void LoadZmm(int zmm, Gpr baseRegister, int displacement) =>
        EvexMemory(map: 1, pp: 0, opcode: 0x10, reg: zmm, vvvv: 0, baseRegister, displacement, scale: 64);

    /// <summary><c>vmovups [base + displacement], zmm</c>.</summary>
    public void StoreZmm(Gpr baseRegister, int displacement, int zmm) =>
        EvexMemory(map: 1, pp: 0, opcode: 0x11, reg: zmm, vvvv: 0, baseRegister, displacement, scale: 64);

    /// <summary><c>vaddps zmm, zmm, [base + displacement]</c>.</summary>
    public void AddZmmFromMemory(int destination, int source, Gpr baseRegister, int displacement) =>
        EvexMemory(map: 1, pp: 0, opcode: 0x58, reg: destination, vvvv: source, baseRegister, displacement, scale: 64);

    /// <summary><c>vpbroadcastd zmm, dword [base + displacement]</c>.</summary>
    public void BroadcastDword(int zmm, Gpr baseRegister, int displacement) =>
        EvexMemory(map: 2, pp: 1, opcode: 0x58, reg: zmm, vvvv: 0, baseRegister, displacement, scale: 4);

    /// <summary>
    /// <c>vdpbf16ps acc, x, y</c>: for each of the 16 lanes, acc += x.lo·y.lo + x.hi·y.hi, the two
    /// bf16 halves of each 32-bit lane multiplied and added in fp32.
    /// </summary>
    public void DotBf16(int accumulator, int x, int y) => EvexRegister(map: 2, pp: 2, opcode: 0x52, reg: accumulator, vvvv: x, rm: y);

    /// <summary><c>add r64, imm32</c> (the imm8 form when it fits).</summary>
    public void AddImmediate(Gpr register, int value)
    {
        Rex(w: true, reg: 0, rm: (int)register);
        if (value is >= -128 and <= 127)
        {
            Emit(0x83, (byte)(0xC0 | ((int)register & 7)), (byte)(sbyte)value);
            return;
        }
        Emit(0x81, (byte)(0xC0 | ((int)register & 7)));
        EmitInt32(value);
    }

    /// <summary><c>add destination, source</c> on 64-bit registers.</summary>
    public void Add(Gpr destination, Gpr source)
    {
        Rex(w: true, reg: (int)source, rm: (int)destination);
        Emit(0x01, (byte)(0xC0 | (((int)source & 7) << 3) | ((int)destination & 7)));
    }

    /// <summary><c>dec r64</c>.</summary>
    public void Decrement(Gpr register)
    {
        Rex(w: true, reg: 0, rm: (int)register);
        Emit(0xFF, (byte)(0xC8 | ((int)register & 7)));
    }

    /// <summary><c>test r64, r64</c> with both the same: sets ZF when the register is zero.</summary>
    public void Test(Gpr register)
    {
        Rex(w: true, reg: (int)register, rm: (int)register);
        Emit(0x85, (byte)(0xC0 | (((int)register & 7) << 3) | ((int)register & 7)));
    }

    /// <summary><c>jnz rel32</c> to an earlier <see cref="Position"/>.</summary>
    public void JumpIfNotZeroBack(int target)
    {
        Emit(0x0F, 0x85);
        EmitInt32(target - (Position + 4));
    }

    /// <summary><c>jz rel32</c> forward; returns the place to <see cref="Bind"/> once the target is known.</summary>
    public int JumpIfZeroForward()
    {
        Emit(0x0F, 0x84);
        EmitInt32(0);
        return Position;
    }

    /// <summary><c>jmp rel32</c> forward; returns the place to <see cref="Bind"/> once the target is known.</summary>
    public int JumpForward()
    {
        Emit(0xE9);
        EmitInt32(0);
        return Position;
    }

    /// <summary>Points the forward jump that ended at <paramref name="jumpEnd"/> to the current position.</summary>
    public void Bind(int jumpEnd)
    {
        int relative = Position - jumpEnd;
        for (int i = 0; i < 4; i++) _code[jumpEnd - 4 + i] = (byte)(relative >> (8 * i));
    }

    /// <summary><c>vzeroupper</c>, then <c>ret</c>.</summary>
    public void Return() => Emit(0xC5, 0xF8, 0x77, 0xC3);

    // EVEX prefix (62 P0 P1 P2) for a 512-bit operation. map: 1 = 0F, 2 = 0F38; pp: 0 none, 1 = 66, 2 = F3.
    private void Evex(int map, int pp, int reg, int vvvv, int rmHigh, int rmExtra)
    {
        int p0 = ((~reg >> 3 & 1) << 7) | ((~rmExtra & 1) << 6) | ((~rmHigh & 1) << 5) | ((~reg >> 4 & 1) << 4) | map;
        int p1 = ((~vvvv & 15) << 3) | 0x04 | pp; // W0
        int p2 = (0b10 << 5) | ((~vvvv >> 4 & 1) << 3); // L'L = 512 bits, no broadcast, no mask
        Emit(0x62, (byte)p0, (byte)p1, (byte)p2);
    }

    private void EvexRegister(int map, int pp, byte opcode, int reg, int vvvv, int rm)
    {
        Evex(map, pp, reg, vvvv, rmHigh: rm >> 3, rmExtra: rm >> 4);
        Emit(opcode, (byte)(0xC0 | ((reg & 7) << 3) | (rm & 7)));
    }

    // scale: EVEX's disp8*N, the size of the memory operand (64 for a whole vector, 4 for one broadcast dword).
    private void EvexMemory(int map, int pp, byte opcode, int reg, int vvvv, Gpr baseRegister, int displacement, int scale)
    {
        int b = (int)baseRegister;
        Evex(map, pp, reg, vvvv, rmHigh: b >> 3, rmExtra: 0);
        Emit(opcode);
        ModRmMemory(reg, b, displacement, scale);
    }

    private void ModRmMemory(int reg, int b, int displacement, int scale)
    {
        bool needsSib = (b & 7) == 4; // rsp, r12
        bool compressed = displacement % scale == 0 && displacement / scale is >= -128 and <= 127;
        int mod = displacement == 0 && (b & 7) != 5 ? 0 : compressed ? 1 : 2; // rbp, r13 always carry a displacement
        Emit((byte)((mod << 6) | ((reg & 7) << 3) | (needsSib ? 4 : b & 7)));
        if (needsSib) Emit(0x24);
        if (mod == 1) Emit((byte)(sbyte)(displacement / scale));
        if (mod == 2) EmitInt32(displacement);
    }

    private void Rex(bool w, int reg, int rm)
    {
        int rex = 0x40 | (w ? 8 : 0) | ((reg >> 3 & 1) << 2) | (rm >> 3 & 1);
        if (rex != 0x40) Emit((byte)rex);
    }

    private void EmitInt32(int value)
    {
        for (int i = 0; i < 4; i++) _code.Add((byte)(value >> (8 * i)));
    }

    private void Emit(params ReadOnlySpan<byte> bytes)
    {
        foreach (byte value in bytes) _code.Add(value);
    }
}

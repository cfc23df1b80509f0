using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// The transforms of Winograd's F(2×2, 3×3) (Lavin and Gray, 2015), which computes a 2×2 tile of a
/// 3×3 correlation from a 4×4 tile of input with 16 multiplications instead of 36:
/// Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, with
/// Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1], Aᵀ = [1 1 1 0; 0 1 −1 −1].
/// The filter transforms run in double, once per filter and call; the tile transforms run on sixteen
/// horizontally adjacent tiles at once, one AVX-512 vector per element of the tile, and write (or
/// read) each of the 16 transform positions to its own matrix, <c>positionStride</c> floats apart, at
/// the tiles' 16 consecutive columns. F(2×2, 3×3) rather than F(4×4, 3×3): its transforms have entries
/// 0, ±1 and ±½ only, so it adds almost no rounding error to the direct convolution's, where
/// F(4×4, 3×3)'s entries up to 8 would cost about ten times more.
/// </summary>
internal static unsafe class WinogradTransforms
{
    /// <summary>Transform positions: the 4×4 elements of a transformed tile.</summary>
    public const int Positions = 16;

    /// <summary>Tiles transformed together: one vector's lanes.</summary>
    public const int Lanes = 16;

    /// <summary>Whether this processor runs the vector tile transforms.</summary>
    public static bool IsSupported => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    private static readonly Vector512<int> Evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    private static readonly Vector512<int> Odds = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    private static readonly Vector512<int> InterleaveLow = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    private static readonly Vector512<int> InterleaveHigh = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);

    /// <summary>
    /// U = G g Gᵀ for one 3×3 filter (row-major, 9 floats), in double; position p goes to
    /// <paramref name="u"/>[p·<paramref name="positionStride"/>]. With <paramref name="rotate"/>, the
    /// filter is turned by 180° first (g[i, j] read as g[2 − i, 2 − j]), as the input gradient needs.
    /// </summary>
    public static void Filter(float* g, bool rotate, float* u, long positionStride)
    {
        double* f = stackalloc double[9];
        for (int i = 0; i < 9; i++) f[i] = g[rotate ? 8 - i : i];
        // t = G g: 4 rows of 3.
        double* t = stackalloc double[12];
        for (int j = 0; j < 3; j++)
        {
            double g0 = f[j], g1 = f[3 + j], g2 = f[6 + j];
            t[j] = g0;
            t[3 + j] = 0.5 * (g0 + g1 + g2);
            t[6 + j] = 0.5 * (g0 - g1 + g2);
            t[9 + j] = g2;
        }
        // U = t Gᵀ: 4 rows of 4.
        for (int i = 0; i < 4; i++)
        {
            double t0 = t[3 * i], t1 = t[3 * i + 1], t2 = t[3 * i + 2];
            u[(4 * i) * positionStride] = (float)t0;
            u[(4 * i + 1) * positionStride] = (float)(0.5 * (t0 + t1 + t2));
            u[(4 * i + 2) * positionStride] = (float)(0.5 * (t0 - t1 + t2));
            u[(4 * i + 3) * positionStride] = (float)t2;
        }
    }

    /// <summary>
    /// The filter gradient from its transform: dg = Gᵀ dU G (the adjoint of <see cref="Filter"/>), with
    /// dU's position p at <paramref name="du"/>[p·<paramref name="positionStride"/>], into 9 floats.
    /// </summary>
    public static void FilterGradient(float* du, long positionStride, float* dg)
    {
        // t = Gᵀ dU: 3 rows of 4; Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1].
        double* t = stackalloc double[12];
        for (int j = 0; j < 4; j++)
        {
            double d0 = du[j * positionStride], d1 = du[(4 + j) * positionStride], d2 = du[(8 + j) * positionStride], d3 = du[(12 + j) * positionStride];
            t[j] = d0 + 0.5 * (d1 + d2);
            t[4 + j] = 0.5 * (d1 - d2);
            t[8 + j] = 0.5 * (d1 + d2) + d3;
        }
        // dg = t G.
        for (int i = 0; i < 3; i++)
        {
            double t0 = t[4 * i], t1 = t[4 * i + 1], t2 = t[4 * i + 2], t3 = t[4 * i + 3];
            dg[3 * i] = (float)(t0 + 0.5 * (t1 + t2));
            dg[3 * i + 1] = (float)(0.5 * (t1 - t2));
            dg[3 * i + 2] = (float)(0.5 * (t1 + t2) + t3);
        }
    }

    /// <summary>
    /// <see cref="Filter"/> for 16 filters at once, in float: filter l's 9 taps start at
    /// <paramref name="g"/> + l·<paramref name="filterStride"/>, and its position p goes to
    /// <paramref name="u"/>[p·<paramref name="positionStride"/> + l].
    /// </summary>
    public static void Filter16(float* g, int filterStride, bool rotate, float* u, long positionStride)
    {
        // The taps tap-major, 16 filters to a row.
        float* taps = stackalloc float[9 * Lanes];
        for (int l = 0; l < Lanes; l++)
        {
            float* f = g + (long)l * filterStride;
            for (int i = 0; i < 9; i++) taps[(rotate ? 8 - i : i) * Lanes + l] = f[i];
        }
        Vector512<float> Tap(int i) => Vector512.Load(taps + i * Lanes);
        Vector512<float> half = Vector512.Create(0.5f);
        // t = G g, one column of three taps at a time, then U = t Gᵀ row by row.
        Vector512<float> t00 = Tap(0), t01 = Tap(1), t02 = Tap(2), t30 = Tap(6), t31 = Tap(7), t32 = Tap(8);
        Vector512<float> m0 = Tap(3), m1 = Tap(4), m2 = Tap(5);
        Vector512<float> t10 = (t00 + m0 + t30) * half, t11 = (t01 + m1 + t31) * half, t12 = (t02 + m2 + t32) * half;
        Vector512<float> t20 = (t00 - m0 + t30) * half, t21 = (t01 - m1 + t31) * half, t22 = (t02 - m2 + t32) * half;
        FilterRow(t00, t01, t02, u, positionStride);
        FilterRow(t10, t11, t12, u + 4 * positionStride, positionStride);
        FilterRow(t20, t21, t22, u + 8 * positionStride, positionStride);
        FilterRow(t30, t31, t32, u + 12 * positionStride, positionStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FilterRow(Vector512<float> t0, Vector512<float> t1, Vector512<float> t2, float* u, long positionStride)
    {
        Vector512<float> half = Vector512.Create(0.5f);
        t0.Store(u);
        ((t0 + t1 + t2) * half).Store(u + positionStride);
        ((t0 - t1 + t2) * half).Store(u + 2 * positionStride);
        t2.Store(u + 3 * positionStride);
    }

    /// <summary>
    /// <see cref="FilterGradient"/> for 16 filters at once, in float: filter l's position p is
    /// <paramref name="du"/>[p·<paramref name="positionStride"/> + l], its 9 taps go to
    /// <paramref name="dg"/> + l·9.
    /// </summary>
    public static void FilterGradient16(float* du, long positionStride, float* dg)
    {
        Vector512<float> half = Vector512.Create(0.5f);
        Vector512<float> Du(int p) => Vector512.Load(du + p * positionStride);
        // t = Gᵀ dU: 3 rows of 4 columns; then dg = t G.
        float* taps = stackalloc float[12 * Lanes], a = stackalloc float[3 * Lanes];
        for (int j = 0; j < 4; j++)
        {
            Vector512<float> d0 = Du(j), d1 = Du(4 + j), d2 = Du(8 + j), d3 = Du(12 + j), sum = (d1 + d2) * half;
            (d0 + sum).Store(taps + (3 * j) * Lanes);
            ((d1 - d2) * half).Store(taps + (3 * j + 1) * Lanes);
            (sum + d3).Store(taps + (3 * j + 2) * Lanes);
        }
        // taps now holds t[row][j] at (3j + row)·16; column j of t G is built from t's 4 columns.
        for (int row = 0; row < 3; row++)
        {
            Vector512<float> c0 = Vector512.Load(taps + row * Lanes), c1 = Vector512.Load(taps + (3 + row) * Lanes);
            Vector512<float> c2 = Vector512.Load(taps + (6 + row) * Lanes), c3 = Vector512.Load(taps + (9 + row) * Lanes), sum = (c1 + c2) * half;
            Vector512<float> g0 = c0 + sum, g1 = (c1 - c2) * half, g2 = sum + c3;
            g0.Store(a);
            g1.Store(a + Lanes);
            g2.Store(a + 2 * Lanes);
            for (int l = 0; l < Lanes; l++)
            {
                dg[l * 9 + 3 * row] = a[l];
                dg[l * 9 + 3 * row + 1] = a[Lanes + l];
                dg[l * 9 + 3 * row + 2] = a[2 * Lanes + l];
            }
        }
    }

    /// <summary>
    /// V = Bᵀ d B for 16 tiles: lanes 0–7 are the 8 tiles whose 4×4 inputs start at columns 0, 2, …, 14
    /// of the rows at <paramref name="rows"/>, lanes 8–15 those at <paramref name="upper"/> (rows + 16
    /// for 16 tiles of one tile row; the next tile row's rows for a narrow plane); rows are
    /// <paramref name="rowStride"/> apart, with 18 readable floats from each start. Lanes 0–7 go to
    /// columns 0–7 of each position's row, lanes 8–15 to columns <paramref name="upperColumn"/> onwards.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Input(float* rows, float* upper, long rowStride, float* v, int upperColumn, long positionStride)
    {
        Row(rows, upper, out Vector512<float> a0, out Vector512<float> a1, out Vector512<float> a2, out Vector512<float> a3);
        Row(rows + rowStride, upper + rowStride, out Vector512<float> b0, out Vector512<float> b1, out Vector512<float> b2, out Vector512<float> b3);
        Row(rows + 2 * rowStride, upper + 2 * rowStride, out Vector512<float> c0, out Vector512<float> c1, out Vector512<float> c2, out Vector512<float> c3);
        Row(rows + 3 * rowStride, upper + 3 * rowStride, out Vector512<float> d0, out Vector512<float> d1, out Vector512<float> d2, out Vector512<float> d3);
        // Bᵀ d, row by row, then · B on each resulting row.
        InputColumns(a0 - c0, a1 - c1, a2 - c2, a3 - c3, v, upperColumn, positionStride);
        InputColumns(b0 + c0, b1 + c1, b2 + c2, b3 + c3, v + 4 * positionStride, upperColumn, positionStride);
        InputColumns(c0 - b0, c1 - b1, c2 - b2, c3 - b3, v + 8 * positionStride, upperColumn, positionStride);
        InputColumns(b0 - d0, b1 - d1, b2 - d2, b3 - d3, v + 12 * positionStride, upperColumn, positionStride);
    }

    // Columns 2l, 2l + 1, 2l + 2, 2l + 3 for l = 0..7 of one row and of its upper counterpart: even and odd lanes of 16 + 16 floats, and of 16 + 16 two further on.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(float* row, float* upper, out Vector512<float> x0, out Vector512<float> x1, out Vector512<float> x2, out Vector512<float> x3)
    {
        Vector512<float> low = Vector512.Load(row), high = Vector512.Load(upper);
        Vector512<float> low2 = Vector512.Load(row + 2), high2 = Vector512.Load(upper + 2);
        x0 = Avx512F.PermuteVar16x32x2(low, Evens, high);
        x1 = Avx512F.PermuteVar16x32x2(low, Odds, high);
        x2 = Avx512F.PermuteVar16x32x2(low2, Evens, high2);
        x3 = Avx512F.PermuteVar16x32x2(low2, Odds, high2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputColumns(Vector512<float> r0, Vector512<float> r1, Vector512<float> r2, Vector512<float> r3, float* v, int upperColumn, long positionStride)
    {
        Store(r0 - r2, v, upperColumn);
        Store(r1 + r2, v + positionStride, upperColumn);
        Store(r2 - r1, v + 2 * positionStride, upperColumn);
        Store(r1 - r3, v + 3 * positionStride, upperColumn);
    }

    // Lanes 0–7 at target, lanes 8–15 at target + upperColumn: one store when that is the next 8.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> x, float* target, int upperColumn)
    {
        if (upperColumn == Lanes / 2)
        {
            x.Store(target);
            return;
        }
        x.GetLower().Store(target);
        x.GetUpper().Store(target + upperColumn);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(float* source, int upperColumn) =>
        upperColumn == Lanes / 2 ? Vector512.Load(source) : Vector512.Create(Vector256.Load(source), Vector256.Load(source + upperColumn));

    /// <summary>
    /// Y = Aᵀ M A for 16 tiles, read as <see cref="Input"/> writes them (lanes 8–15 at
    /// <paramref name="upperColumn"/>): the 2×2 outputs of lane l &lt; 8 go to columns 2l and 2l + 1 of
    /// <paramref name="top"/> and <paramref name="bottom"/>, those of lane 8 + l to columns 2l and 2l + 1
    /// of <paramref name="upperTop"/> and <paramref name="upperBottom"/>. A null row (past the output's
    /// last) is skipped; only the first <paramref name="columns"/> and <paramref name="upperColumns"/> of 16 are written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Output(float* m, int upperColumn, long positionStride, float* top, float* bottom, int columns, float* upperTop, float* upperBottom, int upperColumns)
    {
        // s = Aᵀ M: two rows of four.
        Vector512<float> m0 = Load(m, upperColumn), m1 = Load(m + positionStride, upperColumn), m2 = Load(m + 2 * positionStride, upperColumn), m3 = Load(m + 3 * positionStride, upperColumn);
        Vector512<float> n0 = Load(m + 4 * positionStride, upperColumn), n1 = Load(m + 5 * positionStride, upperColumn), n2 = Load(m + 6 * positionStride, upperColumn), n3 = Load(m + 7 * positionStride, upperColumn);
        Vector512<float> o0 = Load(m + 8 * positionStride, upperColumn), o1 = Load(m + 9 * positionStride, upperColumn), o2 = Load(m + 10 * positionStride, upperColumn), o3 = Load(m + 11 * positionStride, upperColumn);
        Vector512<float> s00 = m0 + n0 + o0, s01 = m1 + n1 + o1, s02 = m2 + n2 + o2, s03 = m3 + n3 + o3;
        OutputRow(s00 + s01 + s02, s01 - s02 - s03, top, columns, upperTop, upperColumns);
        if (bottom == null && upperBottom == null) return;
        Vector512<float> p0 = Load(m + 12 * positionStride, upperColumn), p1 = Load(m + 13 * positionStride, upperColumn), p2 = Load(m + 14 * positionStride, upperColumn), p3 = Load(m + 15 * positionStride, upperColumn);
        Vector512<float> s10 = n0 - o0 - p0, s11 = n1 - o1 - p1, s12 = n2 - o2 - p2, s13 = n3 - o3 - p3;
        OutputRow(s10 + s11 + s12, s11 - s12 - s13, bottom, columns, upperBottom, upperColumns);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputRow(Vector512<float> even, Vector512<float> odd, float* row, int columns, float* upper, int upperColumns)
    {
        // Lanes 0–7 interleaved are 16 output columns of row, lanes 8–15 16 of upper.
        Vector512<float> low = Avx512F.PermuteVar16x32x2(even, InterleaveLow, odd), high = Avx512F.PermuteVar16x32x2(even, InterleaveHigh, odd);
        StoreColumns(low, row, columns);
        StoreColumns(high, upper, upperColumns);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreColumns(Vector512<float> x, float* row, int columns)
    {
        if (row == null || columns <= 0) return;
        if (columns >= Lanes)
        {
            x.Store(row);
            return;
        }
        float* tile = stackalloc float[Lanes];
        x.Store(tile);
        for (int j = 0; j < columns; j++) row[j] = tile[j];
    }

    /// <summary>
    /// Z = A y Aᵀ for 16 tiles of an output gradient (the adjoint of <see cref="Output"/>, with the same
    /// arguments): the first <paramref name="columns"/> of 16 of <paramref name="top"/> and
    /// <paramref name="bottom"/> are lanes 0–7's 2×2 values, those of <paramref name="upperTop"/> and
    /// <paramref name="upperBottom"/> lanes 8–15's; a null row or a column past the count reads as 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void OutputGradient(float* top, float* bottom, int columns, float* upperTop, float* upperBottom, int upperColumns, float* z, int upperColumn, long positionStride)
    {
        GradientRow(top, columns, upperTop, upperColumns, out Vector512<float> y00, out Vector512<float> y01);
        GradientRow(bottom, columns, upperBottom, upperColumns, out Vector512<float> y10, out Vector512<float> y11);
        // w = A y: rows y0, y0 + y1, y0 − y1, −y1; then each row · Aᵀ.
        GradientColumns(y00, y01, z, upperColumn, positionStride);
        GradientColumns(y00 + y10, y01 + y11, z + 4 * positionStride, upperColumn, positionStride);
        GradientColumns(y00 - y10, y01 - y11, z + 8 * positionStride, upperColumn, positionStride);
        GradientColumns(-y10, -y11, z + 12 * positionStride, upperColumn, positionStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientRow(float* row, int columns, float* upper, int upperColumns, out Vector512<float> even, out Vector512<float> odd)
    {
        Vector512<float> low = LoadColumns(row, columns), high = LoadColumns(upper, upperColumns);
        even = Avx512F.PermuteVar16x32x2(low, Evens, high);
        odd = Avx512F.PermuteVar16x32x2(low, Odds, high);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LoadColumns(float* row, int columns)
    {
        if (row == null || columns <= 0) return Vector512<float>.Zero;
        if (columns >= Lanes) return Vector512.Load(row);
        float* tile = stackalloc float[Lanes];
        int j = 0;
        for (; j < columns; j++) tile[j] = row[j];
        for (; j < Lanes; j++) tile[j] = 0f;
        return Vector512.Load(tile);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientColumns(Vector512<float> w0, Vector512<float> w1, float* z, int upperColumn, long positionStride)
    {
        Store(w0, z, upperColumn);
        Store(w0 + w1, z + positionStride, upperColumn);
        Store(w0 - w1, z + 2 * positionStride, upperColumn);
        Store(-w1, z + 3 * positionStride, upperColumn);
    }
}

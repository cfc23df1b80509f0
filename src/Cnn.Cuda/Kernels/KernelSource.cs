namespace Cnn.Cuda.Kernels;

/// <summary>
/// The backend's own kernels, as CUDA C that NVRTC compiles once per process and device
/// architecture: what neither cuDNN nor cuBLAS provides (losses, optimizers, penalty, dropout,
/// Add, CopyStrided, LeakyReLU, SiLU, GELU, pooling that cuDNN cannot express, compact masks, batch norm's evaluation-mode
/// backward, counters). Each one mirrors a reference kernel in Cnn.Runtime's Backends/Cpu/Reference,
/// in the same float operations and order where that order is defined, and is compiled with
/// --fmad=false so that a·b + c rounds twice, as .NET does.
/// </summary>
/// <remarks>
/// The source includes no headers: NVRTC offers the math functions (expf, logf, sqrtf, sqrt) and
/// the atomics as built-ins. Every kernel is <c>extern "C"</c> so that its name is its symbol.
/// Elementwise kernels use grid-stride loops, so any grid size is correct.
/// </remarks>
internal static class KernelSource
{
    /// <summary>Threads per block for every launch; the reductions' shared arrays have this size.</summary>
    public const int BlockSize = 256;

    /// <summary>Blocks of the penalty's first reduction pass (its partial sums are reduced in this fixed order).</summary>
    public const int PenaltyBlocks = 256;

    /// <summary>The pooling kernels' kind for average pooling with count_include_pad=False; 0 … 3 are <see cref="Backends.PoolKind"/>'s.</summary>
    public const int AverageExcludingPadding = 4;

    /// <summary>The CUDA C. The pooling kernels number kinds as <see cref="Backends.PoolKind"/> does (0 max … 3 adaptive average), and 4 is <see cref="AverageExcludingPadding"/>.</summary>
    public const string Source = """
typedef long long i64;
typedef unsigned long long u64;

#define CNN_INT_MAX 0x7fffffff
#define CNN_BLOCK 256

__device__ __forceinline__ i64 cnn_first() { return (i64)blockIdx.x * blockDim.x + threadIdx.x; }
__device__ __forceinline__ i64 cnn_step() { return (i64)gridDim.x * blockDim.x; }
__device__ __forceinline__ int cnn_min(int a, int b) { return a < b ? a : b; }
__device__ __forceinline__ int cnn_max(int a, int b) { return a > b ? a : b; }
__device__ __forceinline__ float cnn_nan() { return __int_as_float(0x7fc00000); }
__device__ __forceinline__ float cnn_negative_infinity() { return __int_as_float(0xff800000); }

/* ---- elementwise ---------------------------------------------------------------------------- */

extern "C" __global__ void cnn_add(const float* a, const float* b, float* y, i64 n)
{
    for (i64 i = cnn_first(); i < n; i += cnn_step()) y[i] = a[i] + b[i];
}

extern "C" __global__ void cnn_multiply(const float* a, const float* b, float* y, i64 n)
{
    for (i64 i = cnn_first(); i < n; i += cnn_step()) y[i] = a[i] * b[i];
}

/* For r in [0, count): destination[r*destinationStride + c] = source[r*sourceStride + c], c in [0, length). */
extern "C" __global__ void cnn_copy_strided(const float* source, i64 sourceStride, float* destination, i64 destinationStride, i64 count, i64 length)
{
    i64 total = count * length;
    for (i64 i = cnn_first(); i < total; i += cnn_step())
    {
        i64 row = i / length, column = i - row * length;
        destination[row * destinationStride + column] = source[row * sourceStride + column];
    }
}

extern "C" __global__ void cnn_leaky_relu_forward(const float* x, float* y, i64 n, float slope)
{
    for (i64 i = cnn_first(); i < n; i += cnn_step())
    {
        float v = x[i];
        y[i] = v > 0.0f ? v : v * slope;
    }
}

/* side is the output for a non-negative slope and the input otherwise, as in the reference. */
extern "C" __global__ void cnn_leaky_relu_backward(const float* side, const float* dy, float* dx, i64 n, float slope)
{
    for (i64 i = cnn_first(); i < n; i += cnn_step()) dx[i] = side[i] > 0.0f ? dy[i] : dy[i] * slope;
}

/* SiLU: y = x·σ(x); its gradient is a function of the input, as in the reference. */
extern "C" __global__ void cnn_silu_forward(const float* x, float* y, i64 n)
{
    for (i64 i = cnn_first(); i < n; i += cnn_step())
    {
        float v = x[i];
        y[i] = v / (1.0f + expf(-v));
    }
}

extern "C" __global__ void cnn_silu_backward(const float* x, const float* dy, float* dx, i64 n)
{
    for (i64 i = cnn_first(); i < n; i += cnn_step())
    {
        float v = x[i], s = 1.0f / (1.0f + expf(-v));
        dx[i] = dy[i] * s * (1.0f + v * (1.0f - s));
    }
}

/* GELU, PyTorch's exact form: y = x·Φ(x), Φ(x) = erfc(−x/√2)/2 (erfc keeps the negative tail accurate). */
extern "C" __global__ void cnn_gelu_forward(const float* x, float* y, i64 n)
{
    for (i64 i = cnn_first(); i < n; i += cnn_step())
    {
        float v = x[i];
        y[i] = v * 0.5f * erfcf(-v * 0.70710678118654752f);
    }
}

extern "C" __global__ void cnn_gelu_backward(const float* x, const float* dy, float* dx, i64 n)
{
    for (i64 i = cnn_first(); i < n; i += cnn_step())
    {
        float v = x[i];
        float cdf = 0.5f * erfcf(-v * 0.70710678118654752f), density = 0.39894228040143268f * expf(-0.5f * v * v);
        dx[i] = dy[i] * (cdf + v * density);
    }
}

/* ---- linear layer helpers ------------------------------------------------------------------- */

extern "C" __global__ void cnn_add_row_bias(float* y, const float* bias, i64 rows, int columns)
{
    i64 total = rows * columns;
    for (i64 i = cnn_first(); i < total; i += cnn_step()) y[i] += bias[i % columns];
}

/* sums[c] = sum over rows r, in order, of x[r*columns + c]. */
extern "C" __global__ void cnn_sum_rows(const float* x, float* sums, int rows, int columns)
{
    for (i64 c = cnn_first(); c < columns; c += cnn_step())
    {
        float s = 0.0f;
        for (int r = 0; r < rows; r++) s += x[(i64)r * columns + c];
        sums[c] = s;
    }
}

/* ---- pooling (kind: 0 max, 1 average counting padding, 2 sum, 3 adaptive average, 4 average without padding) ---- */

struct cnn_window { int y0, y1, x0, x1, divisor; };

__device__ cnn_window cnn_pool_window(int kind, int oy, int ox, int H, int W, int OH, int OW, int kh, int kw, int sh, int sw, int ph, int pw)
{
    cnn_window w;
    if (kind == 3)
    {
        w.y0 = oy * H / OH; w.y1 = ((oy + 1) * H + OH - 1) / OH;
        w.x0 = ox * W / OW; w.x1 = ((ox + 1) * W + OW - 1) / OW;
        w.divisor = (w.y1 - w.y0) * (w.x1 - w.x0);
        return w;
    }
    int y0 = oy * sh - ph, x0 = ox * sw - pw;
    int y1 = cnn_min(y0 + kh, H + ph), x1 = cnn_min(x0 + kw, W + pw);
    w.y0 = cnn_max(y0, 0); w.y1 = cnn_min(y1, H);
    w.x0 = cnn_max(x0, 0); w.x1 = cnn_min(x1, W);
    w.divisor = kind == 4 ? (w.y1 - w.y0) * (w.x1 - w.x0) : (y1 - y0) * (x1 - x0);
    return w;
}

/* PyTorch's rule: a later element wins only if strictly greater, or NaN (which ends the search). */
__device__ int cnn_argmax(const float* x, int W, cnn_window w)
{
    int best = -1;
    float top = cnn_negative_infinity();
    for (int iy = w.y0; iy < w.y1; iy++)
        for (int ix = w.x0; ix < w.x1; ix++)
        {
            float v = x[iy * W + ix];
            if (best < 0 || v > top || v != v)
            {
                top = v;
                best = iy * W + ix;
                if (v != v) return best;
            }
        }
    return best;
}

extern "C" __global__ void cnn_pool_forward(const float* x, float* y, i64 planes, int H, int W, int OH, int OW,
    int kh, int kw, int sh, int sw, int ph, int pw, int kind)
{
    i64 total = planes * OH * OW;
    for (i64 i = cnn_first(); i < total; i += cnn_step())
    {
        int ox = (int)(i % OW);
        i64 t = i / OW;
        int oy = (int)(t % OH);
        const float* plane = x + (t / OH) * H * W;
        cnn_window w = cnn_pool_window(kind, oy, ox, H, W, OH, OW, kh, kw, sh, sw, ph, pw);
        if (kind == 0)
        {
            int best = cnn_argmax(plane, W, w);
            y[i] = best < 0 ? cnn_negative_infinity() : plane[best];
        }
        else
        {
            float sum = 0.0f;
            for (int iy = w.y0; iy < w.y1; iy++)
                for (int ix = w.x0; ix < w.x1; ix++) sum += plane[iy * W + ix];
            y[i] = kind == 2 ? sum : sum / (float)w.divisor;
        }
    }
}

/* One thread per input element gathers from the outputs whose windows hold it, in output order: no atomics, deterministic. */
extern "C" __global__ void cnn_pool_backward(const float* x, const float* dy, float* dx, i64 planes, int H, int W, int OH, int OW,
    int kh, int kw, int sh, int sw, int ph, int pw, int kind)
{
    i64 total = planes * H * W;
    for (i64 i = cnn_first(); i < total; i += cnn_step())
    {
        int ix = (int)(i % W);
        i64 t = i / W;
        int iy = (int)(t % H);
        i64 p = t / H;
        const float* plane = x + p * H * W;
        const float* gradient = dy + p * OH * OW;
        int oy0, oy1, ox0, ox1;
        if (kind == 3)
        {
            oy0 = cnn_max(0, iy * OH / H - 1); oy1 = cnn_min(OH - 1, ((iy + 1) * OH + H - 1) / H);
            ox0 = cnn_max(0, ix * OW / W - 1); ox1 = cnn_min(OW - 1, ((ix + 1) * OW + W - 1) / W);
        }
        else
        {
            int ly = iy + ph - kh + 1, lx = ix + pw - kw + 1;
            oy0 = ly <= 0 ? 0 : (ly + sh - 1) / sh; oy1 = cnn_min(OH - 1, (iy + ph) / sh);
            ox0 = lx <= 0 ? 0 : (lx + sw - 1) / sw; ox1 = cnn_min(OW - 1, (ix + pw) / sw);
        }
        int self = iy * W + ix;
        float g = 0.0f;
        for (int oy = oy0; oy <= oy1; oy++)
            for (int ox = ox0; ox <= ox1; ox++)
            {
                cnn_window w = cnn_pool_window(kind, oy, ox, H, W, OH, OW, kh, kw, sh, sw, ph, pw);
                if (iy < w.y0 || iy >= w.y1 || ix < w.x0 || ix >= w.x1) continue;
                float d = gradient[oy * OW + ox];
                if (kind == 0) { if (cnn_argmax(plane, W, w) == self) g += d; }
                else if (kind == 2) g += d;
                else g += d / (float)w.divisor;
            }
        dx[i] = g;
    }
}

/* ---- compact masks (Cnn.Backends.CompactMasks): ReLU/LeakyReLU bit masks, max-pool byte indices ---- */

/* Each sample's features padded to whole 32-bit words; total and the grid stride are multiples of 32, so each
   warp covers one mask word per iteration and its ballot (lane k: feature 32·word + k) is that word. */
extern "C" __global__ void cnn_relu_forward_mask(const float* x, float* y, unsigned int* mask, i64 samples, int features, float slope)
{
    int padded = ((features + 31) / 32) * 32;
    i64 total = samples * padded;
    for (i64 i = cnn_first(); i < total; i += cnn_step())
    {
        i64 sample = i / padded;
        int f = (int)(i - sample * padded);
        bool active = false;
        if (f < features)
        {
            i64 at = sample * features + f;
            float v = x[at];
            float r = v < 0.0f ? (slope == 0.0f ? 0.0f : v * slope) : v;
            y[at] = r;
            active = r > 0.0f;
        }
        unsigned int bits = __ballot_sync(0xffffffffu, active);
        if ((threadIdx.x & 31) == 0) mask[i / 32] = bits;
    }
}

extern "C" __global__ void cnn_relu_backward_mask(const unsigned int* mask, const float* dy, float* dx, i64 samples, int features, float slope)
{
    int words = (features + 31) / 32;
    i64 total = samples * features;
    for (i64 i = cnn_first(); i < total; i += cnn_step())
    {
        i64 sample = i / features;
        int f = (int)(i - sample * features);
        unsigned int bits = mask[sample * words + f / 32];
        dx[i] = ((bits >> (f & 31)) & 1u) ? dy[i] : dy[i] * slope;
    }
}

/* Max pooling that writes, per pooled value, its window's maximum position ky·kw + kx from the padded window origin (255: none). */
extern "C" __global__ void cnn_max_pool_forward_indices(const float* x, float* y, unsigned char* indices, i64 planes, int channels, int H, int W, int OH, int OW,
    int kh, int kw, int sh, int sw, int ph, int pw, i64 sampleBytes)
{
    i64 total = planes * OH * OW;
    for (i64 i = cnn_first(); i < total; i += cnn_step())
    {
        int ox = (int)(i % OW);
        i64 t = i / OW;
        int oy = (int)(t % OH);
        i64 p = t / OH;
        const float* plane = x + p * H * W;
        cnn_window w = cnn_pool_window(0, oy, ox, H, W, OH, OW, kh, kw, sh, sw, ph, pw);
        int best = cnn_argmax(plane, W, w);
        y[i] = best < 0 ? cnn_negative_infinity() : plane[best];
        unsigned char index = best < 0 ? 255 : (unsigned char)((best / W - (oy * sh - ph)) * kw + best % W - (ox * sw - pw));
        indices[(p / channels) * sampleBytes + (p % channels) * OH * OW + oy * OW + ox] = index;
    }
}

/* One thread per input element gathers, in output order, the gradients of the windows whose index names it: no atomics. */
extern "C" __global__ void cnn_max_pool_backward_indices(const unsigned char* indices, const float* dy, float* dx, i64 planes, int channels, int H, int W, int OH, int OW,
    int kh, int kw, int sh, int sw, int ph, int pw, i64 sampleBytes)
{
    i64 total = planes * H * W;
    for (i64 i = cnn_first(); i < total; i += cnn_step())
    {
        int ix = (int)(i % W);
        i64 t = i / W;
        int iy = (int)(t % H);
        i64 p = t / H;
        const float* gradient = dy + p * OH * OW;
        const unsigned char* index = indices + (p / channels) * sampleBytes + (p % channels) * OH * OW;
        int ly = iy + ph - kh + 1, lx = ix + pw - kw + 1;
        int oy0 = ly <= 0 ? 0 : (ly + sh - 1) / sh, oy1 = cnn_min(OH - 1, (iy + ph) / sh);
        int ox0 = lx <= 0 ? 0 : (lx + sw - 1) / sw, ox1 = cnn_min(OW - 1, (ix + pw) / sw);
        float g = 0.0f;
        for (int oy = oy0; oy <= oy1; oy++)
            for (int ox = ox0; ox <= ox1; ox++)
            {
                int ky = iy - (oy * sh - ph), kx = ix - (ox * sw - pw);
                if (ky < 0 || ky >= kh || kx < 0 || kx >= kw) continue;
                if (index[oy * OW + ox] == ky * kw + kx) g += gradient[oy * OW + ox];
            }
        dx[i] = g;
    }
}

/* ---- losses: one thread per sample writes its row of the gradient and its loss; cnn_loss_mean adds them in order ---- */

/* A class index stored as a float, or -1 after recording the first bad sample in badLabel. */
__device__ int cnn_label(const float* labels, int n, int classes, int* badLabel)
{
    float v = labels[n];
    int c = (v >= 0.0f && v < (float)classes) ? (int)v : -1;
    if (c < 0 || (float)c != v)
    {
        atomicMin(badLabel, n);
        return -1;
    }
    return c;
}

extern "C" __global__ void cnn_softmax_cross_entropy(const float* logits, const float* labels, float* gradient, float* rowLoss, int* badLabel,
    int batch, int classes, float inverseBatch)
{
    for (i64 n = cnn_first(); n < batch; n += cnn_step())
    {
        const float* x = logits + n * classes;
        float* dx = gradient + n * classes;
        int label = cnn_label(labels, (int)n, classes, badLabel);
        if (label < 0)
        {
            for (int c = 0; c < classes; c++) dx[c] = 0.0f;
            rowLoss[n] = 0.0f;
            continue;
        }
        float top = x[0];
        for (int c = 1; c < classes; c++) { float v = x[c]; top = (v > top || v != v) ? v : top; }
        float sum = 0.0f;
        for (int c = 0; c < classes; c++) sum += expf(x[c] - top);
        rowLoss[n] = top + logf(sum) - x[label];
        for (int c = 0; c < classes; c++) dx[c] = expf(x[c] - top) / sum * inverseBatch;
        dx[label] -= inverseBatch;
    }
}

extern "C" __global__ void cnn_nll_loss(const float* logProbabilities, const float* labels, float* gradient, float* rowLoss, int* badLabel,
    int batch, int classes, float inverseBatch)
{
    for (i64 n = cnn_first(); n < batch; n += cnn_step())
    {
        float* dx = gradient + n * classes;
        for (int c = 0; c < classes; c++) dx[c] = 0.0f;
        int label = cnn_label(labels, (int)n, classes, badLabel);
        if (label < 0) { rowLoss[n] = 0.0f; continue; }
        rowLoss[n] = -logProbabilities[n * classes + label];
        dx[label] = -inverseBatch;
    }
}

extern "C" __global__ void cnn_probability_cross_entropy(const float* probabilities, const float* labels, float* gradient, float* rowLoss, int* badLabel,
    int batch, int classes, float inverseBatch, float epsilon)
{
    for (i64 n = cnn_first(); n < batch; n += cnn_step())
    {
        float* dx = gradient + n * classes;
        for (int c = 0; c < classes; c++) dx[c] = 0.0f;
        int label = cnn_label(labels, (int)n, classes, badLabel);
        if (label < 0) { rowLoss[n] = 0.0f; continue; }
        float p = probabilities[n * classes + label];
        if (p >= epsilon)
        {
            rowLoss[n] = -logf(p);
            dx[label] = -inverseBatch / p;
        }
        else if (p != p) rowLoss[n] = p; /* a diverged network shows as a NaN loss */
        else rowLoss[n] = -logf(epsilon);
    }
}

/* loss[0] = (sum of rowLoss in sample order) / batch, or NaN when a label was bad. */
extern "C" __global__ void cnn_loss_mean(const float* rowLoss, const int* badLabel, float* loss, int batch, float inverseBatch)
{
    if (cnn_first() != 0) return;
    float total = 0.0f;
    for (int n = 0; n < batch; n++) total += rowLoss[n];
    loss[0] = badLabel[0] != CNN_INT_MAX ? cnn_nan() : total * inverseBatch;
}

/* ---- penalty: gradients += l1*sign(w) + 2*l2*w; sums of |w| and w*w in double, reduced in a fixed order ---- */

extern "C" __global__ void cnn_penalty(const float* parameters, float* gradients, i64 n, float l1, float l2, double* partial)
{
    __shared__ double absolute[CNN_BLOCK];
    __shared__ double squares[CNN_BLOCK];
    double a = 0.0, s = 0.0;
    float twoL2 = l2 + l2;
    for (i64 i = cnn_first(); i < n; i += cnn_step())
    {
        float w = parameters[i];
        a += w < 0.0f ? -(double)w : (double)w;
        s += (double)w * (double)w;
        float sign = w > 0.0f ? 1.0f : (w < 0.0f ? -1.0f : 0.0f);
        gradients[i] += l1 * sign + twoL2 * w;
    }
    absolute[threadIdx.x] = a;
    squares[threadIdx.x] = s;
    __syncthreads();
    for (int half = CNN_BLOCK / 2; half > 0; half >>= 1)
    {
        if (threadIdx.x < half)
        {
            absolute[threadIdx.x] += absolute[threadIdx.x + half];
            squares[threadIdx.x] += squares[threadIdx.x + half];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0)
    {
        partial[2 * blockIdx.x] = absolute[0];
        partial[2 * blockIdx.x + 1] = squares[0];
    }
}

extern "C" __global__ void cnn_penalty_total(const double* partial, int blocks, float l1, float l2, float* penalty)
{
    if (cnn_first() != 0) return;
    double a = 0.0, s = 0.0;
    for (int b = 0; b < blocks; b++) { a += partial[2 * b]; s += partial[2 * b + 1]; }
    penalty[0] = (float)((double)l1 * a + (double)l2 * s);
}

/* ---- optimizers, PyTorch's formulas (see SgdReference and AdamReference) ---- */

extern "C" __global__ void cnn_sgd_step(float* parameters, const float* gradients, float* velocity, i64 n,
    float lr, float momentum, float dampening, float weightDecay, int nesterov, int firstStep)
{
    for (i64 i = cnn_first(); i < n; i += cnn_step())
    {
        float g = gradients[i];
        if (weightDecay != 0.0f) g += weightDecay * parameters[i];
        if (momentum != 0.0f)
        {
            float buffer = firstStep ? g : momentum * velocity[i] + (1.0f - dampening) * g;
            velocity[i] = buffer;
            g = nesterov ? g + momentum * buffer : buffer;
        }
        parameters[i] -= lr * g;
    }
}

__device__ __forceinline__ void cnn_adam(i64 i, float* parameters, const float* gradients, float* firstMoment, float* secondMoment,
    float lr, float beta1, float beta2, float epsilon, float weightDecay, int decoupled, float stepSize, float correction2Sqrt)
{
    float g = gradients[i], p = parameters[i];
    if (weightDecay != 0.0f)
    {
        if (decoupled) p *= 1.0f - lr * weightDecay;
        else g += weightDecay * p;
    }
    float m = beta1 * firstMoment[i] + (1.0f - beta1) * g;
    float v = beta2 * secondMoment[i] + (1.0f - beta2) * g * g;
    firstMoment[i] = m;
    secondMoment[i] = v;
    parameters[i] = p - stepSize * m / (sqrtf(v) / correction2Sqrt + epsilon);
}

/* stepSize = lr / (1 - beta1^t) and correction2Sqrt = sqrt(1 - beta2^t), computed on the host in double. */
extern "C" __global__ void cnn_adam_step(float* parameters, const float* gradients, float* firstMoment, float* secondMoment, i64 n,
    float lr, float beta1, float beta2, float epsilon, float weightDecay, int decoupled, float stepSize, float correction2Sqrt)
{
    for (i64 i = cnn_first(); i < n; i += cnn_step())
        cnn_adam(i, parameters, gradients, firstMoment, secondMoment, lr, beta1, beta2, epsilon, weightDecay, decoupled, stepSize, correction2Sqrt);
}

/* The same, with the step-dependent factors read from device memory (schedule[0], schedule[1]), as cnn_adam_schedule leaves them. */
extern "C" __global__ void cnn_adam_step_scheduled(float* parameters, const float* gradients, float* firstMoment, float* secondMoment, i64 n,
    float lr, float beta1, float beta2, float epsilon, float weightDecay, int decoupled, const float* schedule)
{
    float stepSize = schedule[0], correction2Sqrt = schedule[1];
    for (i64 i = cnn_first(); i < n; i += cnn_step())
        cnn_adam(i, parameters, gradients, firstMoment, secondMoment, lr, beta1, beta2, epsilon, weightDecay, decoupled, stepSize, correction2Sqrt);
}

/* For a captured graph: turns the step counter t into lr/(1 - beta1^t) and sqrt(1 - beta2^t), as AdamReference does in double, then counts the step. */
extern "C" __global__ void cnn_adam_schedule(u64* step, float* schedule, float lr, float beta1, float beta2)
{
    if (cnn_first() != 0) return;
    double t = (double)step[0];
    schedule[0] = (float)((double)lr / (1.0 - pow((double)beta1, t)));
    schedule[1] = (float)sqrt(1.0 - pow((double)beta2, t));
    step[0] += 1ULL;
}

/* ---- dropout: a counter-based hash of (seed, call, element), so masks need no sequential state ---- */

__device__ __forceinline__ u64 cnn_mix64(u64 z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Element 'index' of SplitMix64 seeded with mix(seed + golden*(call + 1)): 24 bits, uniform in [0, 1). Mirrored by DropoutHash.Uniform. */
__device__ __forceinline__ float cnn_dropout_uniform(u64 seed, u64 call, u64 index)
{
    u64 stream = cnn_mix64(seed + 0x9E3779B97F4A7C15ULL * (call + 1ULL));
    return (float)(cnn_mix64(stream + 0x9E3779B97F4A7C15ULL * (index + 1ULL)) >> 40) * (1.0f / 16777216.0f);
}

/* The call number is read from device memory, so that a captured graph draws a new mask at every replay. */
extern "C" __global__ void cnn_dropout_forward(const float* x, float* y, float* mask, i64 n, float probability, float scale, u64 seed, const u64* calls)
{
    u64 call = calls[0];
    for (i64 i = cnn_first(); i < n; i += cnn_step())
    {
        float m = cnn_dropout_uniform(seed, call, (u64)i) < probability ? 0.0f : scale;
        mask[i] = m;
        y[i] = x[i] * m;
    }
}

extern "C" __global__ void cnn_increment_u64(u64* counter)
{
    if (cnn_first() == 0) counter[0] += 1ULL;
}

extern "C" __global__ void cnn_increment_f32(float* value)
{
    if (cnn_first() == 0) value[0] += 1.0f;
}

/* ---- batch norm backward after an evaluation-mode forward (statistics are constants); one block per channel ---- */

extern "C" __global__ void cnn_batch_norm_backward_eval(const float* x, const float* dy, const float* weight, const float* mean, const float* variance,
    float epsilon, float* dx, float* dweight, float* dbias, int batch, int channels, int spatial)
{
    __shared__ double sumDy[CNN_BLOCK];
    __shared__ double sumDyXhat[CNN_BLOCK];
    int c = blockIdx.x;
    float m = mean[c];
    float inverseStd = (float)(1.0 / sqrt((double)variance[c] + (double)epsilon));
    i64 count = (i64)batch * spatial;
    double a = 0.0, b = 0.0;
    for (i64 k = threadIdx.x; k < count; k += blockDim.x)
    {
        i64 sample = k / spatial, at = (sample * channels + c) * spatial + (k - sample * spatial);
        float d = dy[at];
        a += (double)d;
        b += (double)d * (double)((x[at] - m) * inverseStd);
    }
    sumDy[threadIdx.x] = a;
    sumDyXhat[threadIdx.x] = b;
    __syncthreads();
    for (int half = CNN_BLOCK / 2; half > 0; half >>= 1)
    {
        if (threadIdx.x < half)
        {
            sumDy[threadIdx.x] += sumDy[threadIdx.x + half];
            sumDyXhat[threadIdx.x] += sumDyXhat[threadIdx.x + half];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0)
    {
        if (dweight) dweight[c] = (float)sumDyXhat[0];
        if (dbias) dbias[c] = (float)sumDy[0];
    }
    if (dx)
    {
        float w = weight ? weight[c] : 1.0f;
        for (i64 k = threadIdx.x; k < count; k += blockDim.x)
        {
            i64 sample = k / spatial, at = (sample * channels + c) * spatial + (k - sample * spatial);
            dx[at] = dy[at] * w * inverseStd;
        }
    }
}
""";

    /// <summary>Every kernel the backend looks up, by its symbol name.</summary>
    public static readonly string[] KernelNames =
    [
        "cnn_add", "cnn_multiply", "cnn_copy_strided", "cnn_leaky_relu_forward", "cnn_leaky_relu_backward",
        "cnn_silu_forward", "cnn_silu_backward", "cnn_gelu_forward", "cnn_gelu_backward",
        "cnn_add_row_bias", "cnn_sum_rows", "cnn_pool_forward", "cnn_pool_backward",
        "cnn_relu_forward_mask", "cnn_relu_backward_mask", "cnn_max_pool_forward_indices", "cnn_max_pool_backward_indices",
        "cnn_softmax_cross_entropy", "cnn_nll_loss", "cnn_probability_cross_entropy", "cnn_loss_mean",
        "cnn_penalty", "cnn_penalty_total", "cnn_sgd_step", "cnn_adam_step", "cnn_adam_schedule", "cnn_adam_step_scheduled",
        "cnn_dropout_forward", "cnn_increment_u64", "cnn_increment_f32", "cnn_batch_norm_backward_eval",
    ];
}

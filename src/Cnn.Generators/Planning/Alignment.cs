namespace Cnn.Generators.Planning
{
    /// <summary>
    /// Every tensor the generator places in an arena (parameters, gradients, buffers, activations)
    /// starts on a 64-byte boundary: an AVX-512 line on the CPU, and what cuDNN wants for its pointers.
    /// The padding between tensors is never written, so it stays zero.
    /// </summary>
    internal static class Alignment
    {
        /// <summary>64 bytes, in floats.</summary>
        public const int Floats = 16;

        /// <summary>The first multiple of <see cref="Floats"/> at or after <paramref name="offset"/>.</summary>
        public static long Align(long offset) => (offset + Floats - 1) / Floats * Floats;
    }
}

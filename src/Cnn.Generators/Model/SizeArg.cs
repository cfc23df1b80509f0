namespace Cnn.Generators.Model
{
    /// <summary>
    /// An integer argument of a layer: a constant, or inside a block an expression over the block's
    /// parameters (<see cref="Expression"/>, e.g. "planes * 4"), evaluated per block instance.
    /// <see cref="Argument"/> is the attribute argument it came from ("kernelSize", "KernelWidth"),
    /// for messages; <see cref="Error"/>, when set, says why it cannot be evaluated.
    /// </summary>
    internal sealed record SizeArg(int Value, string? Expression, string? Argument = null, string? Error = null)
    {
        public static SizeArg Of(int value) => new SizeArg(value, null);

        /// <summary>An argument that is wrong as written, e.g. set twice.</summary>
        public static SizeArg Invalid(string argument, string error) => new SizeArg(0, null, argument, error);

        /// <summary>The same size, named after the attribute argument that gave it.</summary>
        public SizeArg From(string argument) => this with { Argument = argument };

        public override string ToString() => Expression ?? Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

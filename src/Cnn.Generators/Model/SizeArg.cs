namespace Cnn.Generators.Model
{
    /// <summary>
    /// An integer argument of a layer: a constant, or inside a block an expression over the block's
    /// parameters (<see cref="Expression"/>, e.g. "planes * 4"), evaluated per block instance.
    /// </summary>
    internal sealed record SizeArg(int Value, string? Expression)
    {
        public static SizeArg Of(int value) => new SizeArg(value, null);

        public override string ToString() => Expression ?? Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

using System.Numerics;

namespace Cnn.Backends.Cpu.Reference;

/// <summary>Reads class indices that the losses receive stored as floats.</summary>
internal static class Labels
{
    public static int ClassOf<T>(ReadOnlySpan<T> labels, int sample, int classes) where T : IFloatingPointIeee754<T>
    {
        T value = labels[sample];
        int label = T.IsFinite(value) ? int.CreateSaturating(value) : -1;
        if (label < 0 || label >= classes || T.CreateChecked(label) != value)
            throw new ArgumentException($"Label of sample {sample} is {value}, which is not a class index in [0, {classes}).", "labels");
        return label;
    }
}

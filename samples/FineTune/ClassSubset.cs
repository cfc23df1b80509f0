using Cnn.Data;

namespace FineTuneSample;

/// <summary>The samples of a contiguous range of classes, relabelled from 0, as a new task.</summary>
internal static class ClassSubset
{
    /// <summary>The samples of <paramref name="data"/> whose class is in [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>), with labels shifted down by <paramref name="first"/>.</summary>
    public static ImageDataset Of(ImageDataset data, int first, int count)
    {
        int size = data.SampleShape.Size;
        var pixels = new List<float>();
        var labels = new List<int>();
        for (int i = 0; i < data.Count; i++)
        {
            int label = data.GetLabel(i) - first;
            if (label < 0 || label >= count) continue;
            pixels.AddRange(data.GetImage(i));
            labels.Add(label);
        }
        return new ImageDataset(pixels.ToArray(), labels.ToArray(), data.SampleShape, data.ClassNames.Skip(first).Take(count).ToArray());
    }
}

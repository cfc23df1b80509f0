using System.Globalization;
using System.Text;

namespace Cnn.Training;

/// <summary>
/// Counts of (true class, predicted class) pairs over a data set: row = the label, column = the
/// prediction, as scikit-learn's <c>confusion_matrix</c>. Built by
/// <see cref="Trainer.ConfusionMatrix(INetwork, Cnn.Data.ImageDataset, int?, Cnn.Data.Normalization?)"/>.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[] _counts;

    /// <summary>An empty matrix over <paramref name="classNames"/>.</summary>
    public ConfusionMatrix(IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count == 0) throw new ArgumentException("A confusion matrix needs at least one class.", nameof(classNames));
        ClassNames = classNames.ToArray();
        _counts = new long[ClassCount * ClassCount];
    }

    /// <summary>The class of each row and column, in output order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Rows (and columns) of the matrix.</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>How many samples of class <paramref name="actual"/> were predicted as <paramref name="predicted"/>.</summary>
    public long this[int actual, int predicted] => _counts[Index(actual, predicted)];

    /// <summary>All counts, row by row (row = true class).</summary>
    public ReadOnlySpan<long> Counts => _counts;

    /// <summary>Samples counted, the sum of all cells.</summary>
    public long Total { get; private set; }

    /// <summary>The share of samples on the diagonal.</summary>
    public double Accuracy
    {
        get
        {
            long correct = 0;
            for (int c = 0; c < ClassCount; c++) correct += this[c, c];
            return Total == 0 ? 0 : (double)correct / Total;
        }
    }

    /// <summary>Samples whose label is <paramref name="actual"/>.</summary>
    public long Support(int actual)
    {
        long sum = 0;
        for (int p = 0; p < ClassCount; p++) sum += this[actual, p];
        return sum;
    }

    /// <summary>Of the samples of class <paramref name="c"/>, the share predicted as <paramref name="c"/>; NaN when there are none.</summary>
    public double Recall(int c)
    {
        long support = Support(c);
        return support == 0 ? double.NaN : (double)this[c, c] / support;
    }

    /// <summary>Of the samples predicted as <paramref name="c"/>, the share that are <paramref name="c"/>; NaN when none were.</summary>
    public double Precision(int c)
    {
        long predicted = 0;
        for (int a = 0; a < ClassCount; a++) predicted += this[a, c];
        return predicted == 0 ? double.NaN : (double)this[c, c] / predicted;
    }

    /// <summary>Counts one sample.</summary>
    public void Add(int actual, int predicted)
    {
        _counts[Index(actual, predicted)]++;
        Total++;
    }

    /// <summary>The matrix as an aligned text table with class names, e.g. for a log.</summary>
    public override string ToString()
    {
        int nameWidth = Math.Max("true \\ predicted".Length, ClassNames.Max(n => n.Length));
        int cellWidth = Math.Max(_counts.Length == 0 ? 1 : _counts.Max().ToString(CultureInfo.InvariantCulture).Length, ClassNames.Max(n => Math.Min(n.Length, 10)));
        var text = new StringBuilder();
        text.Append("true \\ predicted".PadRight(nameWidth));
        foreach (string name in ClassNames) text.Append("  ").Append(Shorten(name, cellWidth).PadLeft(cellWidth));
        text.Append('\n');
        for (int a = 0; a < ClassCount; a++)
        {
            text.Append(ClassNames[a].PadRight(nameWidth));
            for (int p = 0; p < ClassCount; p++) text.Append("  ").Append(this[a, p].ToString(CultureInfo.InvariantCulture).PadLeft(cellWidth));
            text.Append('\n');
        }
        return text.ToString();
    }

    private static string Shorten(string name, int width) => name.Length <= width ? name : name[..width];

    private int Index(int actual, int predicted)
    {
        if ((uint)actual >= (uint)ClassCount) throw new ArgumentOutOfRangeException(nameof(actual), actual, $"The matrix has classes 0 to {ClassCount - 1}.");
        if ((uint)predicted >= (uint)ClassCount) throw new ArgumentOutOfRangeException(nameof(predicted), predicted, $"The matrix has classes 0 to {ClassCount - 1}.");
        return actual * ClassCount + predicted;
    }
}

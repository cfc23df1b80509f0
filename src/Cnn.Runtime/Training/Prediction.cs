namespace Cnn.Training;

/// <summary>
/// A classifier's answer for one input: the probability of every class, and the most probable one
/// with its name and confidence.
/// </summary>
public sealed class Prediction
{
    /// <param name="classNames">The classes, in output order.</param>
    /// <param name="probabilities">One probability per class, summing to 1.</param>
    public Prediction(IReadOnlyList<string> classNames, IReadOnlyList<float> probabilities)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(probabilities);
        if (classNames.Count == 0 || classNames.Count != probabilities.Count)
            throw new ArgumentException($"A prediction needs one probability per class: {classNames.Count} class names, {probabilities.Count} probabilities.", nameof(probabilities));
        ClassNames = classNames;
        Probabilities = probabilities;
        for (int c = 1; c < probabilities.Count; c++)
        {
            if (probabilities[c] > probabilities[ClassIndex]) ClassIndex = c;
        }
    }

    /// <summary>The class of each output, in order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The probability of each class of <see cref="ClassNames"/>.</summary>
    public IReadOnlyList<float> Probabilities { get; }

    /// <summary>The most probable class (the first of equals).</summary>
    public int ClassIndex { get; }

    /// <summary>The name of <see cref="ClassIndex"/>.</summary>
    public string ClassName => ClassNames[ClassIndex];

    /// <summary>The probability of <see cref="ClassName"/>.</summary>
    public float Confidence => Probabilities[ClassIndex];

    /// <summary>The <paramref name="count"/> most probable classes, most probable first (equals in class order).</summary>
    public IReadOnlyList<(string ClassName, float Probability)> Top(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Enumerable.Range(0, Probabilities.Count)
            .OrderByDescending(c => Probabilities[c]).ThenBy(c => c)
            .Take(count)
            .Select(c => (ClassNames[c], Probabilities[c]))
            .ToArray();
    }
}

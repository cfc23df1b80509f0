namespace Cnn.Training;

/// <summary>
/// Turns a classifier's output row into class probabilities. A network may have more outputs than
/// the data has classes (a head larger than needed); those outputs are never a target, so only the
/// first classes are kept and their probabilities renormalised to sum to 1.
/// </summary>
public static class ClassProbabilities
{
    /// <summary>
    /// Writes the probabilities of the first <paramref name="probabilities"/>.Length outputs of
    /// <paramref name="output"/>: a softmax of logits or log-probabilities, or probabilities scaled to sum to 1.
    /// </summary>
    public static void FromOutput(ReadOnlySpan<float> output, OutputKind kind, Span<float> probabilities)
    {
        if (probabilities.Length > output.Length)
            throw new ArgumentException($"An output row of {output.Length} values holds at most {output.Length} classes, not {probabilities.Length}.", nameof(probabilities));
        ReadOnlySpan<float> row = output[..probabilities.Length];
        double sum = 0;
        if (kind == OutputKind.Probabilities)
        {
            foreach (float p in row) sum += p;
            for (int i = 0; i < row.Length; i++) probabilities[i] = sum > 0 ? (float)(row[i] / sum) : 1f / row.Length;
            return;
        }
        float max = float.NegativeInfinity;
        foreach (float v in row) max = MathF.Max(max, v);
        for (int i = 0; i < row.Length; i++) sum += Math.Exp(row[i] - max);
        for (int i = 0; i < row.Length; i++) probabilities[i] = (float)(Math.Exp(row[i] - max) / sum);
    }
}

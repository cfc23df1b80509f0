namespace ImageFolderSample;

/// <summary>The <c>predict</c> command line.</summary>
internal sealed record PredictOptions(string ModelPath, string ImagePath, int Top)
{
    /// <summary>Parses the arguments after <c>predict</c>.</summary>
    /// <exception cref="ArgumentException">The model or image is missing, or an option is unknown or out of range.</exception>
    public static PredictOptions Parse(IReadOnlyList<string> args)
    {
        var positional = new List<string>();
        int top = 5;
        for (int i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                positional.Add(args[i]);
                continue;
            }
            if (args[i] != "--top") throw new ArgumentException($"Unknown option '{args[i]}'.");
            if (i + 1 >= args.Count) throw new ArgumentException("--top needs a value.");
            top = OptionValues.Positive("--top", args[++i]);
        }
        if (positional.Count != 2) throw new ArgumentException("predict needs a model file and an image: predict MODEL IMAGE [--top 5].");
        return new PredictOptions(positional[0], positional[1], top);
    }
}

namespace ImageFolderSample;

/// <summary>The <c>predict</c> command's settings, as <see cref="PredictCommandLine"/> parses them.</summary>
internal sealed record PredictOptions(string ModelPath, string ImagePath, int Top);

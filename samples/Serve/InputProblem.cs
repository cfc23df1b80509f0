namespace ServeSample;

/// <summary>
/// A request the service cannot answer because of what was sent: the status (4xx) and a sentence
/// naming the problem, answered as RFC 9457 problem details.
/// </summary>
/// <param name="statusCode">The HTTP status, 400 to 499.</param>
/// <param name="title">The kind of problem, e.g. "Not an image".</param>
/// <param name="detail">What exactly is wrong and what to send instead.</param>
public sealed class InputProblem(int statusCode, string title, string detail) : Exception(detail)
{
    /// <summary>The HTTP status.</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>The kind of problem.</summary>
    public string Title { get; } = title;
}

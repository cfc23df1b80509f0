using System.Text.Json.Serialization;

namespace ServeSample;

/// <summary>
/// The service's JSON, written at compile time by System.Text.Json's source generator (no
/// reflection), with snake_case names, and the problem details of every error answer.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TensorRequest))]
[JsonSerializable(typeof(PredictionResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails))]
internal sealed partial class ServeJsonContext : JsonSerializerContext;

/// <summary>A sample sent as JSON: <c>{"tensor": [...]}</c>, channel-major, on the scale training read images (pixels in [0, 1]), before normalisation.</summary>
/// <param name="Tensor">The sample's values.</param>
public sealed record TensorRequest(float[]? Tensor);

/// <summary>The answer to <c>/predict</c>: the most probable classes, most probable first.</summary>
/// <param name="Architecture">The network that answered.</param>
/// <param name="Predictions">The top classes.</param>
public sealed record PredictionResponse(string Architecture, IReadOnlyList<ClassScore> Predictions);

/// <summary>One class of a <see cref="PredictionResponse"/>.</summary>
/// <param name="Class">The class name from the model file.</param>
/// <param name="Index">The class's output index.</param>
/// <param name="Probability">Its probability.</param>
public sealed record ClassScore(string Class, int Index, float Probability);

/// <summary>The answer to <c>/health</c>: the service is up and this is the model it serves.</summary>
/// <param name="Status">"ok".</param>
/// <param name="Architecture">The network's class name.</param>
/// <param name="InputShape">One sample's shape, channels × height × width.</param>
/// <param name="Classes">The class names, in output order.</param>
/// <param name="Normalized">Whether inputs are normalised with statistics from the model file.</param>
/// <param name="Workers">Network instances serving requests.</param>
/// <param name="MaxBatchSize">The most requests one forward pass runs.</param>
public sealed record HealthResponse(string Status, string Architecture, IReadOnlyList<int> InputShape, IReadOnlyList<string> Classes, bool Normalized, int Workers, int MaxBatchSize);

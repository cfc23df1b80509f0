using System.Diagnostics;

namespace ServeSample;

/// <summary>
/// The service's HTTP API: <c>POST /predict</c> (an image or a JSON tensor in, the top classes
/// out), <c>GET /health</c> and <c>GET /metrics</c> (Prometheus text).
/// </summary>
public static class InferenceEndpoints
{
    /// <summary>Maps the endpoints onto the model that <see cref="CnnModelServiceCollectionExtensions.AddCnnModel"/> registered.</summary>
    public static IEndpointRouteBuilder MapCnnInference(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/predict", PredictAsync);
        endpoints.MapGet("/health", (InferenceBatcher batcher, ServeOptions options) => Results.Json(
            new HealthResponse("ok", batcher.Model.Architecture, Dimensions(batcher.Model), batcher.Model.ClassNames,
                batcher.Model.Normalization is not null, options.Workers, options.MaxBatchSize),
            ServeJsonContext.Default.HealthResponse));
        endpoints.MapGet("/metrics", (ServeMetrics metrics) => Results.Text(metrics.Format(), "text/plain; version=0.0.4; charset=utf-8"));
        return endpoints;
    }

    /// <summary>
    /// Answers one prediction: the top <c>?top=</c> classes (default <see cref="ServeOptions.DefaultTop"/>),
    /// or a 4xx problem naming what is wrong with the request, or 503 when the queue is full.
    /// </summary>
    private static async Task<IResult> PredictAsync(HttpContext context, InferenceBatcher batcher, ServeMetrics metrics, ServeOptions options)
    {
        long start = Stopwatch.GetTimestamp();
        int status = StatusCodes.Status500InternalServerError;
        try
        {
            IResult result = await AnswerAsync(context, batcher, options);
            status = result is IStatusCodeHttpResult { StatusCode: int code } ? code : StatusCodes.Status200OK;
            return result;
        }
        finally
        {
            metrics.RecordRequest(status, Stopwatch.GetElapsedTime(start));
        }
    }

    private static async Task<IResult> AnswerAsync(HttpContext context, InferenceBatcher batcher, ServeOptions options)
    {
        ServedModel model = batcher.Model;
        Task<float[]> answer;
        int top;
        try
        {
            top = Top(context.Request.Query["top"], model, options);
            float[] sample = await PredictionInput.ReadAsync(context.Request, model, options.MaxUploadBytes, context.RequestAborted);
            if (!batcher.TryPredict(sample, out answer))
            {
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Busy",
                    detail: $"{options.QueueCapacity} requests are already waiting; try again shortly.");
            }
        }
        catch (InputProblem problem)
        {
            return Results.Problem(statusCode: problem.StatusCode, title: problem.Title, detail: problem.Message);
        }
        float[] probabilities = await answer;
        ClassScore[] scores = Enumerable.Range(0, probabilities.Length)
            .OrderByDescending(c => probabilities[c]).ThenBy(c => c)
            .Take(top)
            .Select(c => new ClassScore(model.ClassNames[c], c, probabilities[c]))
            .ToArray();
        return Results.Json(new PredictionResponse(model.Architecture, scores), ServeJsonContext.Default.PredictionResponse);
    }

    private static int Top(string? text, ServedModel model, ServeOptions options)
    {
        int classes = model.ClassNames.Count;
        if (string.IsNullOrEmpty(text)) return Math.Min(options.DefaultTop, classes);
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int top) && top >= 1 && top <= classes)
            return top;
        throw new InputProblem(StatusCodes.Status400BadRequest, "Bad top", $"top must be a whole number from 1 to {classes}, not '{text}'.");
    }

    private static int[] Dimensions(ServedModel model) =>
        model.InputShape.IsFlat ? [model.InputShape.Channels] : [model.InputShape.Channels, model.InputShape.Height, model.InputShape.Width];
}

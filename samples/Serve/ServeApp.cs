using Cnn.IO;

namespace ServeSample;

/// <summary>
/// Builds the web application from configuration (command line, environment, appsettings.json):
/// <c>Model</c> is the model file, <c>Serve:Workers</c>, <c>Serve:MaxBatchSize</c>,
/// <c>Serve:MaxBatchDelayMs</c>, <c>Serve:QueueCapacity</c> and <c>Serve:MaxUploadBytes</c> override
/// <see cref="ServeOptions"/>. The network class is the one the file's metadata names (see <see cref="ServedNetworks"/>).
/// </summary>
public static class ServeApp
{
    /// <summary>The application, built and mapped but not started.</summary>
    /// <exception cref="ArgumentException">No model file is configured, or a setting is out of range.</exception>
    /// <exception cref="InvalidDataException">The file is not a model this sample can serve.</exception>
    public static WebApplication Create(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        string modelPath = builder.Configuration["Model"] is { Length: > 0 } path
            ? path
            : throw new ArgumentException("No model file: pass --Model FILE, a .safetensors saved by samples/FashionMnist with --save.");
        ServeOptions options = ReadOptions(builder.Configuration.GetSection("Serve"));
        options.Validate();
        ServedNetworks.Add(builder.Services, modelPath, ModelFile.ReadMetadata(modelPath).Architecture, options);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxUploadBytes);

        WebApplication app = builder.Build();
        // Load the model now, so that a bad file stops the service at start rather than at its first request.
        app.Services.GetRequiredService<InferenceBatcher>();
        app.MapCnnInference();
        return app;
    }

    private static ServeOptions ReadOptions(IConfigurationSection section)
    {
        var defaults = new ServeOptions();
        return new ServeOptions
        {
            Workers = section.GetValue("Workers", defaults.Workers),
            MaxBatchSize = section.GetValue("MaxBatchSize", defaults.MaxBatchSize),
            MaxBatchDelay = TimeSpan.FromMilliseconds(section.GetValue("MaxBatchDelayMs", defaults.MaxBatchDelay.TotalMilliseconds)),
            QueueCapacity = section.GetValue("QueueCapacity", defaults.QueueCapacity),
            MaxUploadBytes = section.GetValue("MaxUploadBytes", defaults.MaxUploadBytes),
            DefaultTop = section.GetValue("DefaultTop", defaults.DefaultTop),
        };
    }
}

using System.Text.Json.Serialization;

namespace FashionMnist;

/// <summary>
/// The report's JSON serialization, written at compile time by System.Text.Json's source generator:
/// no reflection, so the sample trims and compiles ahead of time (<c>PublishAot</c>) without warnings.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(SampleReport))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;

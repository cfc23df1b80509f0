using System.Net;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Cnn.Serve.Tests;

/// <summary>Bad input gets a 4xx problem that names what is wrong, never a 500, and the service goes on answering.</summary>
public sealed class BadInputTests(ServedFashionNet served) : IClassFixture<ServedFashionNet>
{
    public static TheoryData<string, int, string> Cases => new()
    {
        { "text as a png", 415, "not a PNG or JPEG image" },
        { "32x32 png", 422, "is 32×32 pixels, but FashionNet takes 28×28" },
        { "png over the limit", 413, "more than the limit of 65,536 bytes" },
        { "png cut in half", 400, "the png data is truncated" },
        { "jpeg cut in half", 400, "truncated" },
        { "json cut short", 400, "The JSON cannot be read" },
        { "json without tensor", 400, "no \"tensor\" array" },
        { "tensor of 783", 422, "The tensor has 783 values, but FashionNet takes (1, 28, 28) = 784" },
        { "text/plain", 415, "Content-Type 'text/plain' is not accepted" },
        { "empty body", 400, "The request has no body" },
        { "form without a file", 400, "has no file" },
        { "top=0", 400, "top must be a whole number from 1 to 10, not '0'" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInput_Is4xxNamingTheProblem_AndTheServiceGoesOn(string name, int status, string detail)
    {
        using HttpClient client = served.Factory.CreateClient();
        (string path, HttpContent content) = Request(name);

        using HttpResponseMessage response = await client.PostAsync(path, content);
        using JsonDocument problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        using HttpResponseMessage after = await client.PostAsync("/predict", PredictTests.Raw(ServedFashionNet.RandomPng(5).Png, "image/png"));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains(detail, problem.RootElement.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private static (string Path, HttpContent Content) Request(string name)
    {
        byte[] png = ServedFashionNet.RandomPng(3).Png;
        byte[] jpeg = ServedFashionNet.RandomJpeg(4).Jpeg;
        return name switch
        {
            "text as a png" => ("/predict", PredictTests.Raw("hello, this is not an image"u8.ToArray(), "image/png")),
            "32x32 png" => ("/predict", PredictTests.Raw(ServedFashionNet.RandomPng(6, 32, 32).Png, "image/png")),
            "png over the limit" => ("/predict", PredictTests.Raw([.. png, .. new byte[ServedFashionNet.MaxUploadBytes]], "image/png")),
            "png cut in half" => ("/predict", PredictTests.Raw(png[..(png.Length / 2)], "image/png")),
            "jpeg cut in half" => ("/predict", PredictTests.Raw(jpeg[..(jpeg.Length / 2)], "image/jpeg")),
            "json cut short" => ("/predict", Json("{\"tensor\": [0.1, 0.2,")),
            "json without tensor" => ("/predict", Json("{\"pixels\": [0.1]}")),
            "tensor of 783" => ("/predict", Json($"{{\"tensor\": [{string.Join(",", Enumerable.Repeat("0.5", 783))}]}}")),
            "text/plain" => ("/predict", new StringContent("hello", Encoding.UTF8, "text/plain")),
            "empty body" => ("/predict", PredictTests.Raw([], "image/png")),
            "form without a file" => ("/predict", new MultipartFormDataContent { { new StringContent("28"), "size" } }),
            "top=0" => ("/predict?top=0", PredictTests.Raw(png, "image/png")),
            _ => throw new ArgumentException(name),
        };
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
}

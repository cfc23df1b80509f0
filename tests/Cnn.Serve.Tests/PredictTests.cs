using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Cnn.Training;
using Xunit;

namespace Cnn.Serve.Tests;

public sealed class PredictTests(ServedFashionNet served) : IClassFixture<ServedFashionNet>
{
    /// <summary>Batched float sums may round differently from a batch of one; anything larger is a wrong answer.</summary>
    private const float Tolerance = 1e-5f;

    [Fact]
    public async Task ConcurrentRequests_EachAnswerMatchesSingleThreadedPredict()
    {
        using HttpClient client = served.Factory.CreateClient();
        const int count = 96;
        // Four ways in: a raw PNG, a PNG in a form, a raw JPEG, and the pixels as a JSON tensor.
        var requests = Enumerable.Range(0, count).Select(i =>
        {
            (byte[] bytes, float[] pixels) = i % 4 == 2 ? ServedFashionNet.RandomJpeg((ulong)i) : ServedFashionNet.RandomPng((ulong)i);
            HttpContent content = (i % 4) switch
            {
                0 => Raw(bytes, "image/png"),
                1 => new MultipartFormDataContent { { Raw(bytes, "image/png"), "image", $"sample{i}.png" } },
                2 => Raw(bytes, "image/jpeg"),
                _ => JsonContent.Create(new { tensor = pixels }),
            };
            return (Content: content, Expected: served.Predict(pixels));
        }).ToArray();

        HttpResponseMessage[] responses = await Task.WhenAll(requests.Select(r => client.PostAsync("/predict?top=10", r.Content)));

        for (int i = 0; i < count; i++)
        {
            Assert.Equal(HttpStatusCode.OK, responses[i].StatusCode);
            using JsonDocument answer = JsonDocument.Parse(await responses[i].Content.ReadAsStringAsync());
            Prediction expected = requests[i].Expected;
            JsonElement[] predictions = answer.RootElement.GetProperty("predictions").EnumerateArray().ToArray();
            Assert.Equal("FashionNet", answer.RootElement.GetProperty("architecture").GetString());
            Assert.Equal(ServedFashionNet.ClassNames.Length, predictions.Length);
            foreach (JsonElement prediction in predictions)
            {
                int index = prediction.GetProperty("index").GetInt32();
                Assert.Equal(ServedFashionNet.ClassNames[index], prediction.GetProperty("class").GetString());
                Assert.Equal(expected.Probabilities[index], prediction.GetProperty("probability").GetSingle(), Tolerance);
            }
            float[] listed = predictions.Select(p => p.GetProperty("probability").GetSingle()).ToArray();
            Assert.Equal(listed.OrderDescending(), listed);
        }
        foreach (HttpResponseMessage response in responses) response.Dispose();
    }

    [Fact]
    public async Task Top_ListsTheMostProbableClassesFirst()
    {
        using HttpClient client = served.Factory.CreateClient();
        (byte[] png, float[] pixels) = ServedFashionNet.RandomPng(1000);
        Prediction expected = served.Predict(pixels);

        using HttpResponseMessage response = await client.PostAsync("/predict?top=3", Raw(png, "image/png"));
        using JsonDocument answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected.Top(3).Select(t => t.ClassName),
            answer.RootElement.GetProperty("predictions").EnumerateArray().Select(p => p.GetProperty("class").GetString()));
    }

    internal static ByteArrayContent Raw(byte[] bytes, string mediaType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }
}

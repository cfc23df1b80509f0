using System.Text.Json;
using Cnn;
using Cnn.Data;
using Cnn.Imaging;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace ServeSample;

/// <summary>
/// Turns a <c>/predict</c> request into one normalised sample for the served network, or an
/// <see cref="InputProblem"/> that names what is wrong with it. The body is a PNG or JPEG image
/// (raw, as <c>image/png</c>, <c>image/jpeg</c> or <c>application/octet-stream</c>, or the first file
/// of a <c>multipart/form-data</c> form) of exactly the network's size, or a JSON
/// <see cref="TensorRequest"/>. Images are read as training read them (greyscale for one channel,
/// RGB for three, pixels in [0, 1]); both are then normalised with the model file's statistics.
/// </summary>
public static class PredictionInput
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static ReadOnlySpan<byte> JpegSignature => [0xFF, 0xD8, 0xFF];

    /// <summary>Reads the sample that <paramref name="request"/> carries.</summary>
    /// <exception cref="InputProblem">The body is too large, of an unsupported type, not an image, truncated, of the wrong size, or not a valid tensor.</exception>
    public static async Task<float[]> ReadAsync(HttpRequest request, ServedModel model, long maxBytes, CancellationToken cancellationToken)
    {
        byte[] body = await ReadBodyAsync(request, maxBytes, cancellationToken);
        MediaTypeHeaderValue.TryParse(request.ContentType, out MediaTypeHeaderValue? contentType);
        string mediaType = contentType?.MediaType.Value?.ToLowerInvariant() ?? "";
        float[] sample = mediaType switch
        {
            "application/json" => FromJson(body, model),
            "multipart/form-data" => FromImage(await FirstFileAsync(body, contentType!, cancellationToken), model),
            "" or "image/png" or "image/jpeg" or "application/octet-stream" => FromImage(body, model),
            _ => throw new InputProblem(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
                $"Content-Type '{mediaType}' is not accepted: send a PNG or JPEG image (image/png, image/jpeg, or a file in multipart/form-data) or a tensor as application/json."),
        };
        return Normalize(sample, model);
    }

    /// <summary>The whole body, refusing one longer than <paramref name="maxBytes"/> before and while reading it.</summary>
    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes) throw TooLarge(request.ContentLength, maxBytes);
        // Kestrel enforces the same limit (ServeApp sets it); a host without one, such as a test server, is held to it here.
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes) throw TooLarge(null, maxBytes);
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own answers: a body over its limit (413), or one that ended before its Content-Length (400).
            throw new InputProblem(e.StatusCode, e.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Upload too large" : "Bad request body", e.Message);
        }
        if (buffer.Length == 0)
            throw new InputProblem(StatusCodes.Status400BadRequest, "Empty request", "The request has no body: send a PNG or JPEG image, or a tensor as JSON ({\"tensor\": [...]}).");
        return buffer.ToArray();
    }

    private static InputProblem TooLarge(long? size, long maxBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, "Upload too large", size is long bytes
            ? $"The request body is {bytes:N0} bytes, more than the limit of {maxBytes:N0} bytes."
            : $"The request body is longer than the limit of {maxBytes:N0} bytes.");

    private static async Task<byte[]> FirstFileAsync(byte[] body, MediaTypeHeaderValue contentType, CancellationToken cancellationToken)
    {
        string? boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
            throw new InputProblem(StatusCodes.Status400BadRequest, "Malformed form", "The multipart/form-data Content-Type has no boundary.");
        var reader = new MultipartReader(boundary, new MemoryStream(body));
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is MultipartSection section)
            {
                if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out ContentDispositionHeaderValue? disposition)
                    && disposition.IsFileDisposition())
                {
                    using var file = new MemoryStream();
                    await section.Body.CopyToAsync(file, cancellationToken);
                    return file.ToArray();
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new InputProblem(StatusCodes.Status400BadRequest, "Malformed form", $"The multipart/form-data body cannot be read: {e.Message}");
        }
        throw new InputProblem(StatusCodes.Status400BadRequest, "No file in the form", "The multipart/form-data body has no file: send the image as a file field, e.g. curl -F image=@picture.png.");
    }

    private static float[] FromImage(byte[] encoded, ServedModel model)
    {
        TensorShape shape = model.InputShape;
        if (shape.IsFlat || shape.Channels is not (1 or 3))
            throw new InputProblem(StatusCodes.Status415UnsupportedMediaType, "Images not accepted",
                $"{model.Architecture} takes samples of {shape}, not greyscale or RGB images: send a tensor as JSON.");
        if (!encoded.AsSpan().StartsWith(PngSignature) && !encoded.AsSpan().StartsWith(JpegSignature))
            throw new InputProblem(StatusCodes.Status415UnsupportedMediaType, "Not an image",
                $"The upload is not a PNG or JPEG image: its first bytes are {Convert.ToHexString(encoded.AsSpan(0, Math.Min(8, encoded.Length)))}.");
        ImageTensor image;
        try
        {
            image = SkiaImageDecoder.Shared.Decode(encoded, shape.Channels == 1 ? ImageColorMode.Grayscale : ImageColorMode.Rgb, "upload");
        }
        catch (ImageDecodeException e)
        {
            throw new InputProblem(StatusCodes.Status400BadRequest, "Unreadable image", $"The image cannot be decoded: {e.Reason}.");
        }
        if (image.Height != shape.Height || image.Width != shape.Width)
            throw new InputProblem(StatusCodes.Status422UnprocessableEntity, "Wrong image size",
                $"The image is {image.Width}×{image.Height} pixels, but {model.Architecture} takes {shape.Width}×{shape.Height} images.");
        return image.Data;
    }

    private static float[] FromJson(byte[] body, ServedModel model)
    {
        TensorRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(body, ServeJsonContext.Default.TensorRequest);
        }
        catch (JsonException e)
        {
            throw new InputProblem(StatusCodes.Status400BadRequest, "Malformed JSON", $"The JSON cannot be read as {{\"tensor\": [numbers]}}: {e.Message}");
        }
        float[] tensor = request?.Tensor
            ?? throw new InputProblem(StatusCodes.Status400BadRequest, "No tensor", "The JSON has no \"tensor\" array: send {\"tensor\": [numbers]}.");
        if (tensor.Length != model.InputShape.Size)
            throw new InputProblem(StatusCodes.Status422UnprocessableEntity, "Wrong tensor size",
                $"The tensor has {tensor.Length} values, but {model.Architecture} takes {model.InputShape} = {model.InputShape.Size} (channel-major, before normalisation).");
        return tensor;
    }

    private static float[] Normalize(float[] sample, ServedModel model)
    {
        model.Normalization?.Apply(sample, sample, model.InputShape);
        int bad = Array.FindIndex(sample, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new InputProblem(StatusCodes.Status422UnprocessableEntity, "Non-finite value",
                $"Value {bad} of the sample is {sample[bad]}{(model.Normalization is null ? "" : " after normalisation")}; the network needs finite numbers.");
        return sample;
    }
}

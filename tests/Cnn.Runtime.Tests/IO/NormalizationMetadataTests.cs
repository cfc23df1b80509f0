using Cnn.Data;
using Cnn.IO;
using Xunit;

namespace Cnn.Runtime.Tests.IO;

public sealed class NormalizationMetadataTests
{
    [Fact]
    public void ToMetadata_ReadsBackTheSameFloats()
    {
        var normalization = new Normalization([0.1f / 3, 0.2860f, 1e-7f], [0.3530f, 1f / 7, 12345.678f]);

        IReadOnlyDictionary<string, string> metadata = NormalizationMetadata.ToMetadata(normalization);

        Assert.Equal(normalization, NormalizationMetadata.FromMetadata(metadata));
        Assert.Equal("0.286", metadata[NormalizationMetadata.MeanKey].Split(',')[1]);
    }

    [Fact]
    public void FromMetadata_WithoutTheKeys_IsNull() =>
        Assert.Null(NormalizationMetadata.FromMetadata(new Dictionary<string, string> { ["format"] = "pt" }));

    [Theory]
    [InlineData("0.5", null, "has 'normalization_mean' but not 'normalization_std'")]
    [InlineData("0.5,x", "0.2,0.2", "'normalization_mean' is '0.5,x', not comma-separated numbers")]
    [InlineData("0.5", "0", "The std of channel 0 is 0")]
    [InlineData("0.5,0.5", "0.2", "one mean and one std per channel")]
    public void FromMetadata_Malformed_NamesTheKeyAndValue(string mean, string? std, string expected)
    {
        var metadata = new Dictionary<string, string> { [NormalizationMetadata.MeanKey] = mean };
        if (std is not null) metadata[NormalizationMetadata.StdKey] = std;

        var error = Assert.Throws<FormatException>(() => NormalizationMetadata.FromMetadata(metadata));

        Assert.Contains(expected, error.Message);
    }
}

using Cnn.Training;
using Xunit;

namespace Cnn.Runtime.Tests.Training;

public class HistoryFileTests
{
    private static readonly EpochResult[] History =
    [
        new(1, 0.6931471805599453, 0.5, 0.65, 0.6, 1.25, 2048.5, 0.001),
        new(2, 0.1, 0.975, null, null, 0.5, 4096, 1e-4),
    ];

    [Fact]
    public void Csv_HasKerasColumnNames_InvariantNumbers_AndEmptyCellsForMissingValidation()
    {
        Assert.Equal(
            "epoch,loss,accuracy,val_loss,val_accuracy,seconds,images_per_second,learning_rate\n" +
            "1,0.6931471805599453,0.5,0.65,0.6,1.25,2048.5,0.001\n" +
            "2,0.1,0.975,,,0.5,4096,0.0001\n",
            HistoryFile.FormatCsv(History));
    }

    [Fact]
    public void Json_IsAnArrayOfRowsWithTheSameNames_NullForMissingValidation()
    {
        string json = HistoryFile.FormatJson(History);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var second = document.RootElement[1];
        Assert.Equal(2, second.GetProperty("epoch").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, second.GetProperty("val_loss").ValueKind);
        Assert.Equal(0.0001, second.GetProperty("learning_rate").GetDouble());
        Assert.Equal(HistoryFile.Columns, document.RootElement[0].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void BothFormats_RoundTripExactly_NonFiniteValuesIncluded()
    {
        using var directory = new TrainingData.TempDirectory();
        EpochResult[] history = [.. History, new(3, double.NaN, 0, double.PositiveInfinity, 0, 1, 1, 1)];
        HistoryFile.WriteCsv(directory.File("h.csv"), history);
        HistoryFile.WriteJson(directory.File("h.json"), history);

        Assert.Equal(history, HistoryFile.ReadCsv(directory.File("h.csv")));
        Assert.Equal(history, HistoryFile.ReadJson(directory.File("h.json")));
        Assert.Contains("\"loss\": \"NaN\"", File.ReadAllText(directory.File("h.json")));
    }

    [Fact]
    public void ReadCsv_NamesTheLineAndColumnOfABadCell()
    {
        using var directory = new TrainingData.TempDirectory();
        File.WriteAllText(directory.File("bad.csv"), HistoryFile.FormatCsv(History).Replace("2048.5", "fast"));
        var error = Assert.Throws<FormatException>(() => HistoryFile.ReadCsv(directory.File("bad.csv")));
        Assert.Contains("line 2, column 'images_per_second'", error.Message);
        Assert.Contains("'fast'", error.Message);
    }
}

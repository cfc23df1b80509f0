using Cnn;
using ImageFolderSample.Networks;
using Xunit;

namespace Cnn.Samples.Tests;

public sealed class NetworkCatalogTests
{
    [Fact]
    public void EveryRow_BuildsTheNetworkItDescribes()
    {
        foreach (NetworkChoice choice in NetworkCatalog.All)
        {
            using INetwork network = choice.Create(1, 0);
            Assert.Equal(choice.ArchitectureName, network.ArchitectureName);
            Assert.Equal(choice.InputShape, network.InputShape);
            Assert.Equal(choice.Outputs, network.OutputSize);
            Assert.StartsWith(choice.Key == "mnist" ? "Mnist" : "CatsVsDogs", choice.ArchitectureName);
        }
    }

    [Fact]
    public void EveryDeclaredNetwork_IsInTheCatalogOnce()
    {
        string[] declared = typeof(NetworkCatalog).Assembly.GetTypes()
            .Where(t => typeof(INetwork).IsAssignableFrom(t) && !t.IsAbstract)
            .Select(t => t.Name)
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(declared, NetworkCatalog.All.Select(c => c.ArchitectureName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void CatsVsDogsBody_At128Rgb2_IsTheZooNetwork()
    {
        using var zoo = new Cnn.Models.CatsVsDogsNet(1);
        using INetwork sample = NetworkCatalog.Find("catsdogs", 128, 3, 2).Create(1, 0);

        Assert.Equal(zoo.ParameterInfos.Select(p => (p.Name, string.Join("x", p.Shape))), sample.ParameterInfos.Select(p => (p.Name, string.Join("x", p.Shape))));
        Assert.Equal(zoo.OutputKind, sample.OutputKind);
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 10)]
    [InlineData(10, 10)]
    [InlineData(11, 101)]
    [InlineData(101, 101)]
    public void Find_TakesTheSmallestHeadThatHoldsTheClasses(int classes, int outputs)
    {
        Assert.Equal(outputs, NetworkCatalog.Find("catsdogs", 64, 3, classes).Outputs);
        Assert.Equal(outputs, NetworkCatalog.Find("mnist", 28, 1, classes).Outputs);
    }

    [Fact]
    public void Find_TooManyClasses_SaysHowToDeclareAHead()
    {
        var error = Assert.Throws<ArgumentException>(() => NetworkCatalog.Find("catsdogs", 64, 1, 102));

        Assert.Contains("[Network][Input(1, 64, 64)][Use<CatsVsDogsLayers>(\"\", 102)]", error.Message);
        Assert.Contains("Declarations.cs", error.Message);
    }

    [Fact]
    public void Find_OneClass_IsRefused() =>
        Assert.Contains("at least 2 classes", Assert.Throws<ArgumentException>(() => NetworkCatalog.Find("catsdogs", 28, 1, 1)).Message);

    [Fact]
    public void ForArchitecture_FindsTheRowOfAModelFile()
    {
        Assert.Equal(28, NetworkCatalog.ForArchitecture("Mnist28Gray10")!.Size);
        Assert.Null(NetworkCatalog.ForArchitecture("ResNet18"));
        Assert.Null(NetworkCatalog.ForArchitecture(null));
    }
}

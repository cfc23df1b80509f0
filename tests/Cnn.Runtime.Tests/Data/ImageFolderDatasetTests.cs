using Cnn.Data.Transforms;
using Xunit;

namespace Cnn.Data.Tests;

public sealed class ImageFolderDatasetTests : IDisposable
{
    private readonly TempDirectory _root = new("cnn-folder-tests-");
    private readonly FakeImageDecoder _decoder = new();

    public void Dispose() => _root.Dispose();

    private string Relative(string path) => Path.GetRelativePath(_root.Path, path).Replace('\\', '/');

    /// <summary>Writes <paramref name="count"/> 2×2 images per class, named 000.png, 001.png, … with value = file number.</summary>
    private void WriteClasses(int count, params string[] classes)
    {
        foreach (string name in classes)
        {
            for (int i = 0; i < count; i++)
                _root.Write($"{name}/{i:000}.png", FakeImageDecoder.Image(2, 2, i));
        }
    }

    [Fact]
    public void Open_SortsClassesAndFilesOrdinallyAndLabelsByClass()
    {
        _root.Write("dog/b.jpg", FakeImageDecoder.Image(2, 2, 1));
        _root.Write("dog/B.png", FakeImageDecoder.Image(2, 2, 2));
        _root.Write("dog/a/z.bmp", FakeImageDecoder.Image(2, 2, 3));
        _root.Write("Zebra/1.JPEG", FakeImageDecoder.Image(2, 2, 4));
        _root.Write("cat/10.Png", FakeImageDecoder.Image(2, 2, 5));
        _root.Write("cat/9.png", FakeImageDecoder.Image(2, 2, 6));

        var dataset = new ImageFolderDataset(_root.Path, _decoder);

        Assert.Equal(["Zebra", "cat", "dog"], dataset.ClassNames); // ordinal: upper case first
        Assert.Equal(["Zebra/1.JPEG", "cat/10.Png", "cat/9.png", "dog/B.png", "dog/a/z.bmp", "dog/b.jpg"], dataset.Paths.Select(Relative));
        Assert.Equal([0, 1, 1, 2, 2, 2], Enumerable.Range(0, dataset.Count).Select(dataset.GetLabel));
        Assert.Equal([1, 2, 3], dataset.CountPerClass());
    }

    [Fact]
    public void Open_IgnoresOtherExtensionsAndHiddenFilesAndFolders()
    {
        _root.Write("cat/1.png", FakeImageDecoder.Image(2, 2, 1));
        _root.Write("cat/notes.txt", "not an image"u8.ToArray());
        _root.Write("cat/.hidden.png", "garbage"u8.ToArray());
        _root.Write("cat/.cache/2.png", "garbage"u8.ToArray());
        _root.Write(".ipynb_checkpoints/3.png", FakeImageDecoder.Image(2, 2, 3));

        var dataset = new ImageFolderDataset(_root.Path, _decoder);

        Assert.Equal(["cat"], dataset.ClassNames);
        Assert.Equal(["cat/1.png"], dataset.Paths.Select(Relative));
    }

    [Fact]
    public void Open_IsLazy_DecodesNothingUntilLoad()
    {
        WriteClasses(3, "a", "b");

        var dataset = new ImageFolderDataset(_root.Path, _decoder);
        Assert.Equal(0, _decoder.Decodes);

        ImageTensor? image = dataset.Load(4);

        Assert.Equal(1, _decoder.Decodes);
        Assert.Equal(new TensorShape(3, 2, 2), image!.Shape);
        Assert.All(image.Data, v => Assert.Equal(1f, v));
        Assert.Equal(1, dataset.GetLabel(4));
    }

    [Fact]
    public void Open_GrayscaleMode_GivesOneChannel()
    {
        WriteClasses(1, "a");

        var dataset = new ImageFolderDataset(_root.Path, _decoder, new ImageFolderOptions { ColorMode = ImageColorMode.Grayscale });

        Assert.Equal(new TensorShape(1, 2, 2), dataset.Load(0)!.Shape);
    }

    [Fact]
    public void Open_ExplicitClassNames_SetTheLabelOrder()
    {
        WriteClasses(1, "a", "b", "c");

        var dataset = new ImageFolderDataset(_root.Path, _decoder, new ImageFolderOptions { ClassNames = ["c", "a", "b"] });

        Assert.Equal(["c", "a", "b"], dataset.ClassNames);
        Assert.Equal("a/000.png", Relative(dataset.GetPath(1)));
        Assert.Equal(1, dataset.GetLabel(1));
    }

    [Fact]
    public void Open_ClassNamesNotMatchingTheFolders_SaysWhichDiffer()
    {
        WriteClasses(1, "a", "b");

        var error = Assert.Throws<InvalidDataException>(() =>
            new ImageFolderDataset(_root.Path, _decoder, new ImageFolderOptions { ClassNames = ["a", "x"] }));

        Assert.Contains("missing folders [x]", error.Message);
        Assert.Contains("unlisted folders [b]", error.Message);
    }

    [Fact]
    public void Open_MissingRootOrNoClasses_SaysSo()
    {
        Assert.Throws<DirectoryNotFoundException>(() => new ImageFolderDataset(Path.Combine(_root.Path, "nope"), _decoder));
        var error = Assert.Throws<InvalidDataException>(() => new ImageFolderDataset(_root.Path, _decoder));
        Assert.Contains("no class sub-folders", error.Message);
    }

    [Fact]
    public void Split_IsDisjointCompleteAndStratifiedPerClass()
    {
        WriteClasses(10, "a", "b");
        WriteClasses(5, "c");

        var (training, validation) = ImageFolderDataset.OpenSplit(_root.Path, _decoder, validationFraction: 0.2, seed: 42);
        var all = new ImageFolderDataset(_root.Path, _decoder);

        Assert.Empty(training.Paths.Intersect(validation.Paths));
        Assert.Equal(all.Paths.Order(StringComparer.Ordinal), training.Paths.Concat(validation.Paths).Order(StringComparer.Ordinal));
        Assert.Equal([2, 2, 1], validation.CountPerClass());
        Assert.Equal([8, 8, 4], training.CountPerClass());
        Assert.Equal(training.Paths.Order(StringComparer.Ordinal), training.Paths); // each subset keeps sample order
    }

    [Fact]
    public void Split_SameSeedSameSplit_DifferentSeedDifferentSplit()
    {
        WriteClasses(30, "a", "b");

        var first = ImageFolderDataset.OpenSplit(_root.Path, _decoder, 0.2, seed: 42).Validation.Paths;
        var again = ImageFolderDataset.OpenSplit(_root.Path, _decoder, 0.2, seed: 42).Validation.Paths;
        var other = ImageFolderDataset.OpenSplit(_root.Path, _decoder, 0.2, seed: 43).Validation.Paths;

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Split_OfAClass_DoesNotDependOnOtherClasses()
    {
        WriteClasses(20, "a");
        var before = ImageFolderDataset.OpenSplit(_root.Path, _decoder, 0.25, seed: 7).Validation.Paths.ToArray();

        WriteClasses(20, "0first");
        var after = ImageFolderDataset.OpenSplit(_root.Path, _decoder, 0.25, seed: 7).Validation.Paths
            .Where(path => Relative(path).StartsWith("a/", StringComparison.Ordinal));

        Assert.Equal(before, after);
    }

    [Fact]
    public void Split_IsMadeBeforeVerification_SoABadFileMovesNoOtherFile()
    {
        WriteClasses(20, "a");
        var options = new ImageFolderOptions { BadImages = BadImagePolicy.Skip };
        var before = ImageFolderDataset.OpenSplit(_root.Path, _decoder, 0.25, seed: 7, options);

        string broken = before.Training.GetPath(3);
        File.WriteAllText(broken, "garbage");
        var after = ImageFolderDataset.OpenSplit(_root.Path, _decoder, 0.25, seed: 7, options);

        Assert.Equal(before.Validation.Paths, after.Validation.Paths);
        Assert.Equal(before.Training.Paths.Where(path => path != broken), after.Training.Paths);
    }

    [Fact]
    public void Subset_WithoutAFraction_IsRejected()
    {
        WriteClasses(2, "a");

        Assert.Throws<ArgumentException>(() => new ImageFolderDataset(_root.Path, _decoder, new ImageFolderOptions { Subset = ImageFolderSubset.Training }));
        Assert.Throws<ArgumentException>(() => new ImageFolderDataset(_root.Path, _decoder, new ImageFolderOptions { ValidationFraction = 0.2 }));
    }

    [Fact]
    public void CorruptImage_FailPolicy_ThrowsNamingTheFile()
    {
        WriteClasses(3, "a");
        string bad = _root.Write("a/001.png", "\x89PNG garbage"u8.ToArray());

        var error = Assert.Throws<ImageDecodeException>(() => new ImageFolderDataset(_root.Path, _decoder));

        Assert.Equal(bad, error.FilePath);
        Assert.Contains(bad, error.Message);
    }

    [Fact]
    public void CorruptImage_SkipPolicy_LeavesItOutAndReportsPathAndReason()
    {
        WriteClasses(3, "a");
        string bad = _root.Write("a/001.png", "garbage"u8.ToArray());

        var dataset = new ImageFolderDataset(_root.Path, _decoder, new ImageFolderOptions { BadImages = BadImagePolicy.Skip });

        Assert.Equal(2, dataset.Count);
        Assert.DoesNotContain(bad, dataset.Paths);
        Assert.Equal(1, dataset.SkippedCount);
        Assert.Equal(bad, dataset.SkippedImages[0].Path);
        Assert.Contains("not a fake image", dataset.SkippedImages[0].Reason);
    }

    [Fact]
    public void ImageFailingOnlyWhenDecoded_SkipPolicy_LoadReturnsNullAndRecordsItOnce()
    {
        WriteClasses(2, "a");
        string bad = _root.Write("a/002.png", FakeImageDecoder.Truncated(2, 2));
        var dataset = new ImageFolderDataset(_root.Path, _decoder, new ImageFolderOptions { BadImages = BadImagePolicy.Skip });
        Assert.Equal(3, dataset.Count); // the header is fine

        Assert.Null(dataset.Load(2));
        Assert.Null(dataset.Load(2));

        Assert.Equal([new SkippedImage(bad, "the fake data is truncated")], dataset.SkippedImages);
    }

    [Fact]
    public void ImageFailingOnlyWhenDecoded_FailPolicy_LoadThrowsNamingTheFile()
    {
        string bad = _root.Write("a/0.png", FakeImageDecoder.Truncated(2, 2));
        var dataset = new ImageFolderDataset(_root.Path, _decoder);

        var error = Assert.Throws<ImageDecodeException>(() => dataset.Load(0));

        Assert.Equal(bad, error.FilePath);
    }

    [Fact]
    public void FullVerification_FindsFilesThatFailOnlyWhenDecoded()
    {
        WriteClasses(2, "a");
        string bad = _root.Write("a/002.png", FakeImageDecoder.Truncated(2, 2));

        var dataset = new ImageFolderDataset(_root.Path, _decoder, new ImageFolderOptions { BadImages = BadImagePolicy.Skip, Verification = ImageVerification.Full });

        Assert.Equal(2, dataset.Count);
        Assert.Equal(bad, dataset.SkippedImages.Single().Path);
    }

    [Fact]
    public void ToImageDataset_DecodesEverySampleThroughTheTransform()
    {
        WriteClasses(2, "a", "b");

        ImageDataset dataset = new ImageFolderDataset(_root.Path, _decoder).ToImageDataset(new Resize(1, 1));

        Assert.Equal(new TensorShape(3, 1, 1), dataset.SampleShape);
        Assert.Equal([0, 0, 1, 1], dataset.Labels.ToArray());
        Assert.Equal([0f, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1], dataset.Pixels.ToArray());
    }

    [Fact]
    public void ToImageDataset_MixedSizes_AsksForAResize()
    {
        _root.Write("a/0.png", FakeImageDecoder.Image(2, 2, 0));
        _root.Write("a/1.png", FakeImageDecoder.Image(3, 2, 0));

        var error = Assert.Throws<InvalidDataException>(() => new ImageFolderDataset(_root.Path, _decoder).ToImageDataset());

        Assert.Contains("1.png", error.Message);
        Assert.Contains("Resize", error.Message);
    }

    [Fact]
    public void ToImageDataset_UndecodableFile_ThrowsTheDecodeErrorNamingTheFile()
    {
        WriteClasses(3, "a", "b");
        string bad = _root.Write("b/001.png", FakeImageDecoder.Truncated(2, 2)); // passes the header check
        var dataset = new ImageFolderDataset(_root.Path, _decoder);

        var error = Assert.Throws<ImageDecodeException>(() => dataset.ToImageDataset());

        Assert.Equal(bad, error.FilePath);
        Assert.Contains(bad, error.Message);
    }

    [Fact]
    public void Open_ClassFolderWithoutImages_ThrowsNamingTheFolder()
    {
        WriteClasses(2, "a", "c");
        _root.Write("b/notes.txt", "no images here"u8.ToArray());

        var error = Assert.Throws<InvalidDataException>(() => new ImageFolderDataset(_root.Path, _decoder));

        Assert.Contains(Path.Combine(_root.Path, "b"), error.Message);
        Assert.Contains(".png", error.Message);
    }

    [Fact]
    public void Open_EmptyClassFolderWithAllowEmptyClasses_IsAClassWithNoSamples()
    {
        WriteClasses(2, "a", "c");
        Directory.CreateDirectory(Path.Combine(_root.Path, "b"));

        var dataset = new ImageFolderDataset(_root.Path, _decoder, new ImageFolderOptions { AllowEmptyClasses = true });

        Assert.Equal(["a", "b", "c"], dataset.ClassNames);
        Assert.Equal([2, 0, 2], dataset.CountPerClass());
    }

    [Fact]
    public void Open_RootIsAFile_SaysItIsAFile()
    {
        string file = _root.Write("images.png", FakeImageDecoder.Image(2, 2, 0));

        var error = Assert.Throws<DirectoryNotFoundException>(() => new ImageFolderDataset(file, _decoder));

        Assert.Contains(file, error.Message);
        Assert.Contains("is a file", error.Message);
    }
}

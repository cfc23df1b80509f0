using System.CommandLine;

namespace ImageFolderSample;

/// <summary>The <c>predict MODEL IMAGE [--top 5]</c> command line, declared with System.CommandLine.</summary>
internal static class PredictCommandLine
{
    /// <summary>The <c>predict</c> command; its action calls <paramref name="predict"/> with the parsed options.</summary>
    public static Command Create(Func<PredictOptions, int> predict)
    {
        var model = new Argument<string>("MODEL") { Description = $"A {TrainCommand.ModelFileName} written by train" };
        var image = new Argument<string>("IMAGE") { Description = "The image to classify (PNG, JPEG or BMP)" };
        var top = new Option<int>("--top") { Description = "How many classes to print", HelpName = "N", DefaultValueFactory = _ => 5, CustomParser = OptionValues.Positive };
        var command = new Command("predict", """
            Prints the --top most probable classes of IMAGE, with the class names, input size and
            normalisation read from MODEL.
            """)
        {
            model, image, top,
        };
        command.SetAction(result => predict(new PredictOptions(result.GetRequiredValue(model), result.GetRequiredValue(image), result.GetValue(top))));
        return command;
    }
}

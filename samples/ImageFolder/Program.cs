using Cnn.Training;
using ImageFolderSample;

using var cancellation = new ConsoleCancellation();
return ImageFolderApp.Run(args, Console.Out, Console.Error, cancellation.Token);

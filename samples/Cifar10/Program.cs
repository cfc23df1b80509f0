using Cifar10Sample;
using Cnn.Training;

using var cancellation = new ConsoleCancellation();
return Cifar10App.Run(args, Console.Out, Console.Error, cancellation.Token);

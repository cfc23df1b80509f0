using FineTuneSample;

return FineTuneApp.Run(args, Console.Out, Console.Error);

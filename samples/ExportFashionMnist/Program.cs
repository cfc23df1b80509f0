using ExportFashionMnist;

return Exporter.Run(args, Console.Out, Console.Error);

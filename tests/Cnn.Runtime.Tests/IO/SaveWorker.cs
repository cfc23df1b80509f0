namespace Cnn.IO.Tests;

/// <summary>A 4 MB model: big enough that a save takes long enough to be killed in the middle of it.</summary>
[Network]
[Input(1, 32, 32)]
[Flatten]
[Linear("fc", 1024)]
public partial class SaveWorkerNet
{
}

/// <summary>
/// The child process of <see cref="KillDuringSaveTests"/>: saves <see cref="SaveWorkerNet"/> to one
/// path over and over, with new weights each time, and prints the number of each finished save,
/// until it is killed.
/// </summary>
internal static class SaveWorker
{
    public const string Command = "save-worker";

    public static int Run(string path)
    {
        using var network = new SaveWorkerNet(1, seed: 1);
        for (ulong save = 1; ; save++)
        {
            network.Initialize(save);
            ModelFile.Save(network, path);
            Console.Out.WriteLine(save);
            Console.Out.Flush();
        }
    }
}

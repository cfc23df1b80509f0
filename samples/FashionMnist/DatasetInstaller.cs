using System.Diagnostics;

namespace FashionMnist;

/// <summary>Finds Debian's Fashion-MNIST, installing the dataset-fashion-mnist package when it is missing and apt-get can run.</summary>
internal static class DatasetInstaller
{
    public static string EnsureFashionMnist()
    {
        string directory = Cnn.Data.FashionMnist.DefaultDirectory;
        if (Directory.Exists(directory)) return directory;

        Console.WriteLine($"{directory} is missing; installing Debian's dataset-fashion-mnist package");
        if (!Run("apt-get", "update -qq") || !Run("apt-get", "install -y -qq dataset-fashion-mnist") || !Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException(
                $"Fashion-MNIST is not in {directory} and could not be installed; run 'sudo apt-get install dataset-fashion-mnist' or pass --data DIR.");
        }
        return directory;
    }

    private static bool Run(string program, string arguments)
    {
        try
        {
            using Process process = Process.Start(new ProcessStartInfo(program, arguments) { UseShellExecute = false })!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

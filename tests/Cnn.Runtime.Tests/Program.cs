using Cnn.IO.Tests;

namespace Cnn.Runtime.Tests;

/// <summary>
/// The test assembly's entry point. The test runner loads the assembly and never calls it; tests
/// that need a process of their own start <c>dotnet Cnn.Runtime.Tests.dll &lt;helper&gt; ...</c>.
/// </summary>
internal static class Program
{
    public static int Main(string[] args) => args switch
    {
        [SaveWorker.Command, string path] => SaveWorker.Run(path),
        _ => 0,
    };
}

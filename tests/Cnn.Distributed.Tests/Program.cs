namespace Cnn.Distributed.Tests;

/// <summary>
/// The test assembly's entry point. The test runner loads the assembly and never calls it; the tests
/// start <c>mpirun ... dotnet Cnn.Distributed.Tests.dll worker ...</c>, and each rank runs a worker.
/// </summary>
internal static class Program
{
    public static int Main(string[] args) => args switch
    {
        [Workers.Command, .. var rest] => Workers.Run(rest),
        _ => 0,
    };
}

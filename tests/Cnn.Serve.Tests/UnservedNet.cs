namespace Cnn.Serve.Tests;

/// <summary>A network the sample's catalog does not know, to check that serving its file fails at start.</summary>
[Network]
[Input(1, 4, 4)]
[Flatten]
[Linear("fc", 2)]
public partial class UnservedNet;

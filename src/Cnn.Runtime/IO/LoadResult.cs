namespace Cnn.IO;

/// <summary>
/// What <see cref="ModelFile.Load(INetwork, string, LoadOptions)"/> did, by state_dict name, as
/// PyTorch's <c>load_state_dict</c> returns its missing and unexpected keys. Names that
/// <see cref="LoadOptions.Include"/> and <see cref="LoadOptions.Exclude"/> leave out are in no list.
/// </summary>
/// <param name="Metadata">The file's metadata.</param>
/// <param name="Loaded">The network's tensors that were written from the file, in the network's order.</param>
/// <param name="Missing">The network's tensors that the file lacks; they keep their values.</param>
/// <param name="Unexpected">The file's tensors that the network lacks, in name order.</param>
/// <param name="ShapeMismatched">Tensors in both whose shapes differ, each as "name: file shape vs network shape"; they keep their values.</param>
public sealed record LoadResult(
    ModelMetadata Metadata,
    IReadOnlyList<string> Loaded,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<string> ShapeMismatched);

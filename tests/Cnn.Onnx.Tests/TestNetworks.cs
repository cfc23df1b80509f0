namespace Cnn.Onnx.Tests;

/// <summary>
/// The layer kinds and options that no zoo or sample network uses: every activation, BatchNorm1d,
/// a concatenation and a residual inside the network, ceil-mode pooling whose last window runs past
/// the padded input, sum pooling, and dropout between two Linear layers.
/// </summary>
[Network]
[Input(3, 12, 12)]
[Conv2d("conv1", 8, 3, Padding = 1)]
[BatchNorm2d("bn1")]
[LeakyReLU(NegativeSlope = 0.2)]
[Concat("mixed")]
[Branch("a")]
[Conv2d("conv", 4, 1)]
[SiLU]
[Branch("b")]
[Conv2d("conv", 4, 3, Padding = 1)]
[GELU]
[EndConcat]
[Residual("res")]
[Conv2d("conv", 8, 3, Padding = 1)]
[Tanh]
[EndResidual]
[AvgPool2d(3, Stride = 2, Padding = 1, CeilMode = true, CountIncludePad = false)]
[SumPool2d(2)]
[MaxPool2d(2, CeilMode = true)]
[Flatten]
[Linear("fc1", 16)]
[BatchNorm1d("bn2")]
[Sigmoid]
[Dropout(0.3)]
[Linear("fc2", 5)]
public partial class AllLayerKindsNet;

/// <summary>
/// Flat input, Softmax and LogSoftmax side by side in a concatenation of flat branches, and dropout
/// as the last layer (removed, so the output is an Identity of the concatenation).
/// </summary>
[Network]
[Input(20)]
[Linear("fc1", 12)]
[ReLU]
[Concat("heads")]
[Branch("a")]
[Linear("fc", 3)]
[Softmax]
[Branch("b")]
[Linear("fc", 4)]
[LogSoftmax]
[EndConcat]
[Dropout(0.1)]
public partial class FlatConcatNet;

/// <summary>Adaptive average pooling from 5×5 to 2×2: windows of unequal sizes, which ONNX has no operator for.</summary>
[Network]
[Input(3, 5, 5)]
[Conv2d("conv1", 4, 1)]
[AdaptiveAvgPool2d("avgpool", 2)]
[Flatten]
[Linear("fc", 3)]
public partial class UnequalAdaptivePoolNet;

using Cnn;
using Cnn.Models;

namespace ImageFolderSample.Networks;

// A network's input shape and class count are compile-time constants, so the sample declares each
// body once per input it offers: every size it supports, RGB (3 channels) and greyscale (1), and heads
// of 2, 10 and 101 outputs. A data set with another number of classes trains the smallest head that
// holds it (see NetworkCatalog); for an exact head, add one line such as
// [Network][Input(3, 64, 64)][Use<CatsVsDogsLayers>("", 5)] public partial class CatsVsDogs64Rgb5;
// and its row in NetworkCatalog.

[Network]
[Input(3, 128, 128)]
[Use<CatsVsDogsLayers>("", 2)]
public partial class CatsVsDogs128Rgb2;

[Network]
[Input(3, 128, 128)]
[Use<CatsVsDogsLayers>("", 10)]
public partial class CatsVsDogs128Rgb10;

[Network]
[Input(3, 128, 128)]
[Use<CatsVsDogsLayers>("", 101)]
public partial class CatsVsDogs128Rgb101;

[Network]
[Input(1, 128, 128)]
[Use<CatsVsDogsLayers>("", 2)]
public partial class CatsVsDogs128Gray2;

[Network]
[Input(1, 128, 128)]
[Use<CatsVsDogsLayers>("", 10)]
public partial class CatsVsDogs128Gray10;

[Network]
[Input(1, 128, 128)]
[Use<CatsVsDogsLayers>("", 101)]
public partial class CatsVsDogs128Gray101;

[Network]
[Input(3, 64, 64)]
[Use<CatsVsDogsLayers>("", 2)]
public partial class CatsVsDogs64Rgb2;

[Network]
[Input(3, 64, 64)]
[Use<CatsVsDogsLayers>("", 10)]
public partial class CatsVsDogs64Rgb10;

[Network]
[Input(3, 64, 64)]
[Use<CatsVsDogsLayers>("", 101)]
public partial class CatsVsDogs64Rgb101;

[Network]
[Input(1, 64, 64)]
[Use<CatsVsDogsLayers>("", 2)]
public partial class CatsVsDogs64Gray2;

[Network]
[Input(1, 64, 64)]
[Use<CatsVsDogsLayers>("", 10)]
public partial class CatsVsDogs64Gray10;

[Network]
[Input(1, 64, 64)]
[Use<CatsVsDogsLayers>("", 101)]
public partial class CatsVsDogs64Gray101;

[Network]
[Input(3, 28, 28)]
[Use<CatsVsDogsLayers>("", 2)]
public partial class CatsVsDogs28Rgb2;

[Network]
[Input(3, 28, 28)]
[Use<CatsVsDogsLayers>("", 10)]
public partial class CatsVsDogs28Rgb10;

[Network]
[Input(3, 28, 28)]
[Use<CatsVsDogsLayers>("", 101)]
public partial class CatsVsDogs28Rgb101;

[Network]
[Input(1, 28, 28)]
[Use<CatsVsDogsLayers>("", 2)]
public partial class CatsVsDogs28Gray2;

[Network]
[Input(1, 28, 28)]
[Use<CatsVsDogsLayers>("", 10)]
public partial class CatsVsDogs28Gray10;

[Network]
[Input(1, 28, 28)]
[Use<CatsVsDogsLayers>("", 101)]
public partial class CatsVsDogs28Gray101;

[Network]
[Input(1, 28, 28)]
[Use<MnistTutorialLayers>("", 2)]
public partial class Mnist28Gray2;

[Network]
[Input(1, 28, 28)]
[Use<MnistTutorialLayers>("", 10)]
public partial class Mnist28Gray10;

[Network]
[Input(1, 28, 28)]
[Use<MnistTutorialLayers>("", 101)]
public partial class Mnist28Gray101;

[Network]
[Input(3, 28, 28)]
[Use<MnistTutorialLayers>("", 2)]
public partial class Mnist28Rgb2;

[Network]
[Input(3, 28, 28)]
[Use<MnistTutorialLayers>("", 10)]
public partial class Mnist28Rgb10;

[Network]
[Input(3, 28, 28)]
[Use<MnistTutorialLayers>("", 101)]
public partial class Mnist28Rgb101;

namespace Cnn.Models;

/// <summary>The layers of torchvision's GoogLeNet (Szegedy et al., 2014) without auxiliary heads, with its state_dict names, for inputs of at least 32×32.</summary>
[Block("classes = 1000")]
[Use<BasicConv2d>("conv1", 64, 7, 2, 3)]
[MaxPool2d("maxpool1", 3, Stride = 2, CeilMode = true)]
[Use<BasicConv2d>("conv2", 64, 1)]
[Use<BasicConv2d>("conv3", 192, 3, 1, 1)]
[MaxPool2d("maxpool2", 3, Stride = 2, CeilMode = true)]
[Use<Inception>("inception3a", 64, 96, 128, 16, 32, 32)]
[Use<Inception>("inception3b", 128, 128, 192, 32, 96, 64)]
[MaxPool2d("maxpool3", 3, Stride = 2, CeilMode = true)]
[Use<Inception>("inception4a", 192, 96, 208, 16, 48, 64)]
[Use<Inception>("inception4b", 160, 112, 224, 24, 64, 64)]
[Use<Inception>("inception4c", 128, 128, 256, 24, 64, 64)]
[Use<Inception>("inception4d", 112, 144, 288, 32, 64, 64)]
[Use<Inception>("inception4e", 256, 160, 320, 32, 128, 128)]
[MaxPool2d("maxpool4", 2, Stride = 2, CeilMode = true)]
[Use<Inception>("inception5a", 256, 160, 320, 32, 128, 128)]
[Use<Inception>("inception5b", 384, 192, 384, 48, 128, 128)]
[AdaptiveAvgPool2d("avgpool", 1)]
[Flatten]
[Dropout("dropout", 0.2)]
[Linear("fc", "classes")]
public sealed class GoogLeNetLayers
{
}

/// <summary>torchvision's GoogLeNet for 3×224×224 images, aux_logits=False: 6,624,904 parameters.</summary>
[Network]
[Input(3, 224, 224)]
[Use<GoogLeNetLayers>("")]
public partial class GoogLeNet
{
}

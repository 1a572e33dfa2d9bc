namespace StreamLrcn.Models;

/// <summary>
/// The CNN a package's head can sit on. The runtime implements exactly this one (ImageNet
/// ResNet18, whose last feature map is <see cref="Channels"/> x <see cref="MapSize"/> x
/// <see cref="MapSize"/>, pooled to one vector a frame unless the package's
/// <see cref="CnnFeatures"/> say otherwise); a manifest naming another is refused at load.
/// </summary>
public static class SupportedCnn
{
    public const string Id = "resnet18-imagenet";

    /// <summary>Features of the pooled output (<see cref="CnnFeatures.Pooled"/>), what most packages take.</summary>
    public const int FeatureSize = Channels;

    public const int Channels = 512;

    /// <summary>Height and width of the last feature map at the 224x224 input.</summary>
    public const int MapSize = 7;
}

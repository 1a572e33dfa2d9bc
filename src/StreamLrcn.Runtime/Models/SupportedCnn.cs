namespace StreamLrcn.Models;

/// <summary>
/// The CNN a package's head can sit on. The runtime implements exactly this one (ImageNet
/// ResNet18, pooled to one vector a frame); a manifest naming another is refused at load.
/// </summary>
public static class SupportedCnn
{
    public const string Id = "resnet18-imagenet";
    public const int FeatureSize = 512;
}

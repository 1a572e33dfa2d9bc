using System.Text.Json.Nodes;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Models;

public sealed class StreamManifestTests
{
    [Fact]
    public void A_two_stream_package_declares_its_streams_and_its_head_takes_1024_features()
    {
        using var folder = new TempDirectory();
        var package = StreamModels.Write(folder.Path, ["rgb", "difference"]);

        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Path, "manifest.json")))!["cnn"]!;
        Assert.Equal(512, (int)manifest["featureSize"]!);
        Assert.Equal(["rgb", "difference"], manifest["streams"]!.AsArray().Select(n => (string)n!));
        var loaded = ModelPackage.Load(folder.Path);
        Assert.Equal(1024, loaded.Manifest.Cnn.HeadFeatureSize);
        var streams = CnnStreams.From(loaded.Manifest.Cnn);
        Assert.Equal(2, streams.Rows);
        Assert.Equal(new DifferenceSpec { Step = 1, Scale = 2 }, streams.Difference);
        using var head = new StreamLrcn.Temporal.GruHead(loaded, 8);
        Assert.Equal(package.Manifest.Cnn.HeadFeatureSize, head.FeatureSize);
    }

    [Fact]
    public void A_difference_step_given_as_a_time_is_written_with_its_frame_rate_and_read_back()
    {
        using var folder = new TempDirectory();
        StreamModels.Write(folder.Path, ["difference"], new DifferenceSpec { Step = 2, Scale = 2, FramesPerSecond = 29.97 });

        var difference = JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Path, "manifest.json")))!["cnn"]!["difference"]!;
        Assert.Equal(29.97, (double)difference["framesPerSecond"]!);
        var streams = CnnStreams.From(ModelPackage.Load(folder.Path).Manifest.Cnn);
        Assert.Equal(new DifferenceSpec { Step = 2, Scale = 2, FramesPerSecond = 29.97 }, streams.Difference);
        Assert.Equal(1, streams.Difference!.FramesAt(14.985));
        Assert.Equal("difference(step=2,scale=2,at=29.97fps)", streams.Describe());
    }

    [Fact]
    public void An_rgb_only_package_writes_no_streams_and_its_head_takes_512_features()
    {
        using var folder = new TempDirectory();
        TestModels.Write(folder.Path);

        var cnn = JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Path, "manifest.json")))!["cnn"]!.AsObject();
        Assert.Equal(["model", "featureSize"], cnn.Select(p => p.Key));
        Assert.Same(CnnStreams.RgbOnly, CnnStreams.From(ModelPackage.Load(folder.Path).Manifest.Cnn));
    }

    [Fact]
    public void A_grid2_package_declares_its_features_and_its_head_takes_2048_features_a_stream()
    {
        using var folder = new TempDirectory();
        StreamModels.Write(folder.Path, ["difference"], features: CnnFeatures.Grid2);

        var cnn = JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Path, "manifest.json")))!["cnn"]!;
        Assert.Equal("grid2", (string)cnn["features"]!);
        Assert.Equal(2048, (int)cnn["featureSize"]!);
        var loaded = ModelPackage.Load(folder.Path);
        Assert.Equal(CnnFeatures.Grid2, CnnFeatureNames.From(loaded.Manifest.Cnn));
        using var head = new StreamLrcn.Temporal.GruHead(loaded, 8);
        Assert.Equal(2048, head.FeatureSize);
    }

    [Fact]
    public void The_shipped_default_model_keeps_loading_as_an_rgb_only_package()
    {
        var package = ModelPackage.Load(Path.Combine(SharedData.RepositoryRoot(), "models", "default"));
        var streams = CnnStreams.From(package.Manifest.Cnn);
        Assert.Equal(package.Manifest.Cnn.Streams is null ? 1 : package.Manifest.Cnn.Streams.Count, streams.Rows);
        Assert.Equal(512 * streams.Rows, package.Manifest.Cnn.HeadFeatureSize);
        // A manifest without cnn.features (every package before the option) means pooled features.
        Assert.Null(package.Manifest.Cnn.Features);
        Assert.Equal(CnnFeatures.Pooled, CnnFeatureNames.From(package.Manifest.Cnn));
    }

    [Theory]
    [InlineData("""{"model":"resnet18-imagenet","featureSize":512,"streams":["rgb","flow"]}""", "field 'cnn.streams' expected \"rgb\" or \"difference\", found \"flow\"")]
    [InlineData("""{"model":"resnet18-imagenet","featureSize":512,"streams":[]}""", "field 'cnn.streams' expected one or both")]
    [InlineData("""{"model":"resnet18-imagenet","featureSize":512,"streams":["difference","difference"]}""", "expected each stream once, found [difference, difference]")]
    [InlineData("""{"model":"resnet18-imagenet","featureSize":512,"difference":{"step":1}}""", "field 'cnn.difference' is set but 'cnn.streams' is not")]
    [InlineData("""{"model":"resnet18-imagenet","featureSize":512,"streams":["rgb","difference"],"difference":{"step":0}}""", "field 'cnn.difference.step' expected 1 to 8 frames, found 0")]
    [InlineData("""{"model":"resnet18-imagenet","featureSize":512,"streams":["rgb","difference"],"difference":{"scale":-1}}""", "field 'cnn.difference.scale' expected above 0 and at most 64, found -1")]
    [InlineData("""{"model":"resnet18-imagenet","featureSize":512,"streams":["rgb","difference"],"difference":{"stride":2}}""", "is not a valid manifest")]
    [InlineData("""{"model":"resnet18-imagenet","featureSize":512,"streams":["difference"],"difference":{"step":1,"framesPerSecond":0}}""", "field 'cnn.difference.framesPerSecond' expected a frame rate above 0 and at most 1000, found 0")]
    [InlineData("""{"model":"resnet18-imagenet","featureSize":512,"streams":["difference"],"difference":{"framesPerSecond":5000}}""", "field 'cnn.difference.framesPerSecond' expected a frame rate above 0 and at most 1000, found 5000")]
    [InlineData("""{"model":"resnet18-imagenet","featureSize":512,"features":"grid3","streams":["rgb","difference"]}""", "field 'cnn.features' expected \"pooled\", \"grid2\", \"flatten\" or absent (pooled), found \"grid3\"")]
    [InlineData("""{"model":"resnet18-imagenet","featureSize":512,"features":"grid2","streams":["rgb","difference"]}""", "field 'cnn.featureSize' expected 2048 (what resnet18-imagenet emits as grid2 features), found 512")]
    public void Malformed_streams_are_named_in_the_error(string cnn, string message)
    {
        using var folder = new TempDirectory();
        StreamModels.Write(folder.Path, ["rgb", "difference"]);
        ModelPackageTests.EditManifest(folder.Path, m => m["cnn"] = JsonNode.Parse(cnn));

        var error = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(folder.Path));

        Assert.Contains(message, error.Message);
        Assert.Contains("manifest.json", error.Message);
    }

    [Fact]
    public void A_head_of_512_features_under_a_manifest_that_declares_two_streams_is_refused()
    {
        using var folder = new TempDirectory();
        TestModels.Write(folder.Path);
        ModelPackageTests.EditManifest(folder.Path, m => m["cnn"]!["streams"] = new JsonArray("rgb", "difference"));

        var error = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(folder.Path));

        Assert.Contains("'features' expected float [?,?,1024]", error.Message);
    }
}

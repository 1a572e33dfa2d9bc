using System.Text.Json.Nodes;
using StreamLrcn.Models;
using StreamLrcn.Tests.Support;

namespace StreamLrcn.Tests.Models;

public sealed class ModelPackageTests
{
    [Fact]
    public void A_written_package_loads_with_its_labels_window_and_stride()
    {
        using var folder = new TempDirectory();
        TestModels.Write(folder.Path, hidden: 16, window: 10, stride: 5);

        var package = ModelPackage.Load(folder.Path);

        Assert.Equal(TestModels.Labels, package.Labels);
        Assert.Equal(10, package.Manifest.Window);
        Assert.Equal(5, package.Manifest.Stride);
        Assert.Equal(16, package.Manifest.Head.HiddenSize);
    }

    [Fact]
    public void A_manifest_with_more_labels_than_the_head_has_outputs_is_refused()
    {
        using var folder = new TempDirectory();
        TestModels.Write(folder.Path);
        EditManifest(folder.Path, m => m["labels"] = new JsonArray("a", "b", "c", "d"));

        var error = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(folder.Path));

        Assert.Contains("'probabilities' expected float [?,?,4]", error.Message);
        Assert.Contains("found Float [?,?,3]", error.Message);
    }

    [Fact]
    public void A_manifest_whose_hidden_size_differs_from_the_head_is_refused()
    {
        using var folder = new TempDirectory();
        TestModels.Write(folder.Path, hidden: 16);
        EditManifest(folder.Path, m => m["head"]!["hiddenSize"] = 64);

        var error = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(folder.Path));

        Assert.Contains("'h0' expected float [1,?,64]", error.Message);
        Assert.Contains("[1,?,16]", error.Message);
    }

    [Theory]
    [InlineData("formatVersion", "2", "field 'formatVersion' expected 1, found 2")]
    [InlineData("window", "0", "field 'window' expected at least 1, found 0")]
    [InlineData("cnn", """{"model":"vgg16","featureSize":512}""", "field 'cnn.model' expected 'resnet18-imagenet', found 'vgg16'")]
    public void Invalid_manifest_fields_are_named_in_the_error(string field, string json, string message)
    {
        using var folder = new TempDirectory();
        TestModels.Write(folder.Path);
        EditManifest(folder.Path, m => m[field] = JsonNode.Parse(json));

        var error = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(folder.Path));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void A_missing_head_file_and_malformed_json_are_reported()
    {
        using var folder = new TempDirectory();
        TestModels.Write(folder.Path);
        File.Delete(Path.Combine(folder.Path, "head.onnx"));
        Assert.Contains("field 'head.file' expected a file", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(folder.Path)).Message);

        File.WriteAllText(Path.Combine(folder.Path, "manifest.json"), "{ \"name\": ");
        Assert.Contains("is not a valid manifest", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(folder.Path)).Message);
    }

    [Fact]
    public void A_head_file_that_is_not_onnx_is_reported()
    {
        using var folder = new TempDirectory();
        TestModels.Write(folder.Path);
        File.WriteAllText(Path.Combine(folder.Path, "head.onnx"), "not a model");

        var error = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(folder.Path));

        Assert.Contains("expected an ONNX model ONNX Runtime can load", error.Message);
    }

    [Fact]
    public void The_shipped_default_model_is_valid()
    {
        var root = SharedData.RepositoryRoot();
        var package = ModelPackage.Load(Path.Combine(root, "models", "default"));
        Assert.True(package.Labels.Count >= 2);
    }

    internal static void EditManifest(string folder, Action<JsonObject> edit)
    {
        var path = Path.Combine(folder, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(manifest);
        File.WriteAllText(path, manifest.ToJsonString());
    }
}

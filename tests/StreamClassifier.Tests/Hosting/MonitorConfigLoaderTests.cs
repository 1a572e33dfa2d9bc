using StreamLrcn.Capture;
using StreamLrcn.Hosting;

namespace StreamLrcn.Tests.Hosting;

public sealed class MonitorConfigLoaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("streamlrcn-config-").FullName;

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string ErrorOf(string name, string text) =>
        Assert.Throws<ConfigException>(() => MonitorConfigLoader.Load(Write(name, text)).Validate()).Message;

    [Fact]
    public void Yaml_and_json_give_the_same_cameras_with_defaults_and_overrides_merged()
    {
        var yaml = MonitorConfigLoader.Load(Write("a.yaml", """
            model: models/default
            defaults:
              frozenAfterSeconds: 3
              minConfidence: 0.7
            cameras:
              - name: door
                url: rtsp://u:p@10.0.0.5:554/s1
              - name: yard
                url: "rtsp://10.0.0.6/s1"
                transport: udp
                width: 640
                height: 360
                every: 2
                frozenAfterSeconds: 9
            outputs:
              events: ev.jsonl
              mqtt: { host: broker.local, prefix: home/lrcn }
            """)).Validate();
        var json = MonitorConfigLoader.Load(Write("a.json", """
            { "model": "models/default", "defaults": { "frozenAfterSeconds": 3, "minConfidence": 0.7 },
              "cameras": [ { "name": "door", "url": "rtsp://u:p@10.0.0.5:554/s1" },
                           { "name": "yard", "url": "rtsp://10.0.0.6/s1", "transport": "udp", "width": 640, "height": 360, "every": 2, "frozenAfterSeconds": 9 } ],
              "outputs": { "events": "ev.jsonl", "mqtt": { "host": "broker.local", "prefix": "home/lrcn" } } }
            """)).Validate();
        Assert.Equal(yaml, json);
        Assert.Equal(TimeSpan.FromSeconds(3), yaml[0].Source.FrozenAfter);
        Assert.Equal(RtspTransport.Tcp, yaml[0].Source.Transport);
        Assert.Null(yaml[0].Source.Width);
        Assert.Equal(0.7, yaml[0].Events.MinConfidence);
        Assert.Equal((RtspTransport.Udp, 640, 360, 2, TimeSpan.FromSeconds(9)),
            (yaml[1].Source.Transport, yaml[1].Source.Width, yaml[1].Source.Height, yaml[1].Source.Every, yaml[1].Source.FrozenAfter));
    }

    [Theory]
    [InlineData("cameras:\n  - name: door\n    url: rtsp://h/s\n    every: 0\n", "cameras[0].every must be at least 1, found 0")]
    [InlineData("cameras:\n  - name: door\n    url: not a url\n", "cameras[0].url must be an absolute URL")]
    [InlineData("cameras:\n  - name: door\n    url: rtsp://h/a\n  - name: door\n    url: rtsp://h/b\n", "cameras[1].name 'door' is used by another camera")]
    [InlineData("cameras:\n  - name: front door\n    url: rtsp://h/a\n", "cameras[0].name must be letters, digits")]
    [InlineData("cameras:\n  - name: door\n    url: rtsp://h/a\n    transport: quic\n", "cameras[0].transport must be tcp or udp, found 'quic'")]
    [InlineData("cameras:\n  - name: door\n    url: rtsp://h/a\n    width: 640\n", "cameras[0].width and cameras[0].height must be given together")]
    [InlineData("cameras: []\n", "cameras: at least one camera is required")]
    [InlineData("cameras:\n  - name: door\n    url: rtsp://h/a\noutputs:\n  mqtt: { host: h, port: 70000 }\n", "outputs.mqtt.port must be 1-65535, found 70000")]
    [InlineData("defaults:\n  minConfidence: 2\ncameras:\n  - name: door\n    url: rtsp://h/a\n", "cameras[0].minConfidence must be in [0, 1], found 2")]
    public void Invalid_values_are_rejected_naming_the_field(string yaml, string expected) =>
        Assert.Contains(expected, ErrorOf("bad.yaml", yaml));

    [Fact]
    public void An_unknown_key_is_rejected_naming_where_it_is()
    {
        var message = ErrorOf("typo.yaml", "cameras:\n  - name: door\n    url: rtsp://h/a\n    evry: 2\n");
        Assert.Contains("field 'cameras[0].evry': unknown key 'evry'", message);
        Assert.Contains("known keys here: name, url, transport", message);
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_rejected_naming_the_field()
    {
        var message = ErrorOf("type.json", """{ "cameras": [ { "name": "door", "url": "rtsp://h/a", "every": "often" } ] }""");
        Assert.Contains("field 'cameras[0].every': expected a whole number", message);
    }

    [Fact]
    public void Syntax_errors_give_the_line()
    {
        Assert.Contains("YAML syntax error at line 3", ErrorOf("broken.yaml", "cameras:\n  - name: door\n   url: [unclosed\n"));
        Assert.Contains("JSON syntax error at line 2", ErrorOf("broken.json", "{ \"cameras\": [\n  { \"name\": door } ] }"));
        Assert.Contains("expected a .json, .yaml or .yml file", ErrorOf("config.toml", "x = 1"));
    }

    [Fact]
    public void Environment_variables_fill_in_text_values_and_double_dollar_keeps_a_literal()
    {
        var name = "STREAMLRCN_TEST_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(name, "s3cr:et");
        try
        {
            var config = MonitorConfigLoader.Load(Write("env.yaml",
                $"cameras:\n  - name: door\n    url: rtsp://viewer:${{{name}}}@10.0.0.5/s1\noutputs:\n  events: ev-$${{x}}.jsonl\n"));
            Assert.Equal("rtsp://viewer:s3cr:et@10.0.0.5/s1", config.Cameras[0].Url);
            Assert.Equal("ev-${x}.jsonl", Path.GetFileName(config.Outputs!.Events));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public void The_example_config_in_the_repository_is_valid()
    {
        var config = MonitorConfigLoader.Load(Path.Combine(Support.RepoPaths.Root, "config", "monitor.example.yaml"));
        var cameras = config.Validate();
        Assert.Equal(["front_door", "yard"], cameras.Select(c => c.Source.Name));
        Assert.Equal((RtspTransport.Udp, 2), (cameras[1].Source.Transport, cameras[1].Source.Every));
        Assert.Equal("streamlrcn", config.Outputs!.Mqtt!.Prefix);
    }

    [Fact]
    public void Relative_model_and_output_paths_are_resolved_against_the_config_files_folder_not_the_current_directory()
    {
        var folder = Path.Combine(_directory, "etc", "streamlrcn");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "monitor.yaml");
        File.WriteAllText(path, "model: ../models/gestures\ncameras:\n  - name: door\n    url: rtsp://h/a\n" +
            "outputs: { events: events.jsonl, labels: /var/tmp/labels.jsonl, log: logs/monitor-.log }\n");

        var config = MonitorConfigLoader.Load(path);

        Assert.Equal(Path.Combine(_directory, "etc", "models", "gestures"), config.Model);
        Assert.Equal(Path.Combine(folder, "events.jsonl"), config.Outputs!.Events);
        Assert.Equal("/var/tmp/labels.jsonl", config.Outputs.Labels);
        Assert.Equal(Path.Combine(folder, "logs", "monitor-.log"), config.Outputs.Log);
    }

    [Fact]
    public void The_local_config_names_the_shipped_model_and_the_test_servers_cameras()
    {
        var config = MonitorConfigLoader.Load(Path.Combine(Support.RepoPaths.Root, "config", "monitor.local.yaml"));
        var cameras = config.Validate();
        Assert.Equal(Support.RepoPaths.DefaultModel, config.Model);
        Assert.Equal(["rtsp://127.0.0.1:8554/cam0", "rtsp://127.0.0.1:8554/cam1"], cameras.Select(c => c.Source.Url));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

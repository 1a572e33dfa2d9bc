using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;
using StreamLrcn.Cluster;
using StreamLrcn.Hosting;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Pipeline;
using StreamLrcn.Temporal;
using StreamLrcn.Validation;

namespace StreamLrcn.Cli;

/// <summary>
/// <c>monitor --config FILE</c>: the RTSP monitoring daemon. The configuration and the model are
/// checked before anything starts (exit code 2 with a message naming the field); then the host runs
/// until SIGINT or SIGTERM.
/// </summary>
public static class MonitorCommand
{
    public static Command Create(Option<bool> verbose)
    {
        var configOption = new Option<string>("--config", "-c") { Description = "Configuration file (.json, .yaml or .yml): cameras, model, outputs.", Required = true };
        var check = new Option<bool>("--check")
        {
            Description = "Validate the config, start the CNN and read one frame from every camera, print a table and exit (0: all reachable, 2: not); starts nothing else.",
        };
        var command = new Command("monitor", "Run the monitoring daemon: label network cameras, emit label-change and stream events (JSON lines, MQTT), serve metrics and health.") { configOption, check };
        // Synchronous on purpose: the host's console lifetime handles SIGINT/SIGTERM itself.
        command.SetAction(result => Run(result.GetValue(configOption)!, result.GetValue(verbose), result.GetValue(check)));
        return command;
    }

    private static int Run(string configPath, bool verbose, bool checkOnly)
    {
        MonitorConfig config;
        IReadOnlyList<CameraSettings> cameras;
        ModelPackage package;
        PipelineOptions options;
        try
        {
            config = MonitorConfigLoader.Load(configPath);
            cameras = config.Validate();
            if (!checkOnly)
                CheckWritable(config.OutputsOrDefault.Events, "outputs.events");
            if (!checkOnly && config.OutputsOrDefault.Labels is { } labels)
                CheckWritable(labels, "outputs.labels");
            package = LoadModel(config.Model);
            var device = ParseDevice(config.Device);
            options = new PipelineOptions(
                config.ToCnnOptions(device, package.Calibration) with { Features = CnnFeatureNames.From(package.Manifest.Cnn) },
                config.ToBatching(),
                // Reconnects are flagged as discontinuities by the source; a plain gap in time only
                // means a slow or thinned (every: k) camera, which the watchdog tolerates up to frozenAfter.
                new TemporalOptions(package.Manifest.Window, package.Manifest.Stride,
                    TimeSpan.FromSeconds(Math.Max(2, cameras.Max(c => c.Source.FrozenAfter.TotalSeconds)))),
                PipelineMode.Live);
            try
            {
                options.Validate();
            }
            catch (InvalidOptionException invalid) when (MonitorConfig.KeyFor(invalid) is { } key)
            {
                throw new ConfigException(invalid.DescribeAs(key));
            }
        }
        catch (Exception ex) when (ex is ConfigException or ArgumentException or ModelPackageException)
        {
            Log.Error("Invalid configuration: {Message}", ex.Message);
            return ExitCodes.InvalidSetup;
        }
        if (checkOnly)
            return MonitorCheck.Run(configPath, cameras, package, options);

        Logging.Configure(verbose, config.OutputsOrDefault.Log);
        if (NativeHeapLimit.Advice() is { } advice)
            Log.Information("{Advice}", advice);
        var run = new MonitorRun();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = Environment.CurrentDirectory });
        builder.Services.AddSerilog();
        // Under systemd (Type=notify) the unit is ready once the host has started, and SIGTERM stops it as before; elsewhere a no-op.
        builder.Services.AddSystemd();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        // With a cluster section the cameras are shared with the other nodes (one owner each); without it this daemon runs them all.
        var cluster = config.Cluster is { } clusterConfig ? new ClusterNode(clusterConfig, cameras) : null;
        if (config.Cluster is { } node)
            config = node.ForThisNode(config);
        builder.Services.AddHostedService(services => new MonitorService(config, cameras, package, options, run, services.GetRequiredService<IHostApplicationLifetime>(), cluster));
        using var host = builder.Build();
        try
        {
            host.Run();
        }
        catch (Exception ex) when (ex is DeviceUnavailableException or ModelPackageException or ConfigException or ArgumentException)
        {
            // Already logged by the service; the exit code says it.
        }
        return run.Outcome switch
        {
            MonitorOutcome.Completed => ExitCodes.Success,
            MonitorOutcome.InvalidSetup => ExitCodes.InvalidSetup,
            _ => ExitCodes.InputFailed,
        };
    }

    /// <summary>
    /// Opens an output for appending (creating it and its folder, keeping what it holds) and closes
    /// it, so a path the daemon cannot write stops it here, before any camera is connected.
    /// </summary>
    private static void CheckWritable(string path, string field)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null)
                Directory.CreateDirectory(directory);
            using var probe = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{field} must be a file the daemon can write, found '{path}': {ex.Message}", ex);
        }
    }

    private static ModelPackage LoadModel(string path)
    {
        try
        {
            return ModelPackage.Load(path);
        }
        catch (ModelPackageException ex)
        {
            throw new ConfigException($"model: {ex.Message}", ex);
        }
    }

    private static DeviceRequest ParseDevice(string text)
    {
        try
        {
            return DeviceRequest.Parse(text);
        }
        catch (FormatException ex)
        {
            throw new ConfigException($"device: {ex.Message}", ex);
        }
    }
}

using System.Numerics;
using Microsoft.Extensions.Hosting;
using Serilog;
using StreamLrcn.Capture;
using StreamLrcn.Hosting.Web;
using StreamLrcn.Inference;
using StreamLrcn.Models;
using StreamLrcn.Pipeline;
using StreamLrcn.Sinks;
using StreamLrcn.Temporal;

namespace StreamLrcn.Hosting;

/// <summary>
/// The monitoring daemon: one ffmpeg-fed <see cref="NetworkFrameSource"/> per camera, all into
/// one live <see cref="ClassificationPipeline"/> (drop-oldest per camera, one batched CNN);
/// labels go through per-camera <see cref="LabelHysteresis"/> into events (JSON lines file, MQTT),
/// stream up/down/reconnect reports become events too, and <c>/metrics</c>, <c>/health</c> and
/// <c>/ready</c> are served on loopback. Stopping (SIGINT/SIGTERM through the host) cancels the
/// pipeline, which kills every ffmpeg child and waits for it; then the last events are written and
/// flushed.
/// <para>
/// With a <paramref name="cluster"/> node, the pipeline's sources are the node's camera slots, which
/// run a camera only while the cluster gives it to this node; the node joins once the model is
/// loaded and leaves (handing its cameras over) when the daemon stops, and <c>/health</c> shows the whole cluster.
/// </para>
/// </summary>
public sealed class MonitorService(MonitorConfig config, IReadOnlyList<CameraSettings> cameras, ModelPackage package, PipelineOptions options, MonitorRun run, IHostApplicationLifetime lifetime,
    IMonitorCluster? cluster = null) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting (and install its signal handlers) before the CNN loads.
        await Task.Yield();
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is DeviceUnavailableException or ModelPackageException or ConfigException or ArgumentException)
        {
            // A user's mistake (a port in use, a device that is not there): the message and exit
            // code 2, not the host's account of a failed service with its stack trace.
            Log.Error("{Message}", ex.Message);
            run.Outcome = MonitorOutcome.InvalidSetup;
            lifetime.StopApplication();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            run.Outcome = MonitorOutcome.Failed;
            throw;
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var outputs = config.OutputsOrDefault;
        // First: an event database that cannot be used stops the start before anything runs.
        await using var web = WebUi.Create(config, package.Labels);
        var metrics = new MonitorMetrics(cluster?.NodeName);
        IReadOnlyList<ILiveSource> sources = cluster is not null ? cluster.Sources : cameras.Select(c => new NetworkFrameSource(c.Source)).ToList();
        var names = sources.Select(s => s.Name).ToArray();
        var board = new CameraBoard(sources, package.Labels);

        var sinks = new List<IEventSink> { new JsonLinesEventSink(outputs.Events) };
        var mqttSink = outputs.Mqtt is { } mqtt ? new MqttEventSink(mqtt, cluster?.NodeName) : null;
        if (mqttSink is not null)
            sinks.Add(mqttSink);
        // Disposed after the events (declared before them): the cluster topic goes offline last, and only if no other node answers.
        await using var clusterAvailable = cluster is not null && outputs.Mqtt is { } clusterMqtt ? new MqttClusterAvailability(clusterMqtt) : null;
        clusterAvailable?.Start();
        if (web is not null)
        {
            sinks.Add(web.Sink);
            web.AddMetrics(metrics.Registry);
        }
        await using var events = new EventDispatcher(cluster?.Stamp(sinks) ?? sinks, metrics);
        await events.StartAsync(stoppingToken);
        events.Publish(new MonitorEvent(MonitorEvent.DaemonStarted, DateTimeOffset.UtcNow));
        // From here on every run ends with daemon_stopped, also one stopped while the model still loads.
        var failure = (string?)null;
        try
        {
            var hysteresis = cameras.Select(c => new LabelHysteresis(c.Events)).ToArray();
            var current = new LabelSnapshot?[cameras.Count];
            // In a cluster a camera's first label on a node follows a reset of its GRU state (it started here or came back): its event says so.
            var resets = new ResetReason[cameras.Count];
            for (var i = 0; i < sources.Count; i++)
            {
                var camera = i;
                metrics.StreamUp.WithLabels(names[i]).Set(0);
                sources[i].StatusChanged += change => OnStatus(camera, change, board, metrics, events);
            }

            // Up before the model loads: /health answers and /ready says 503 while it does, and a port in use stops the daemon at once.
            var http = config.HttpOrDefault;
            await using var server = http.Enabled
                ? new StatusServer(http, metrics.Registry, cluster is not null ? cluster.Health : board.Snapshot, web is null ? null : app => web.Map(app, cluster is not null ? cluster.Health : board.Snapshot))
                : null;
            // The web recorder comes first: a label event's snapshot needs its frame posted before the event.
            IReadOnlyList<ILabelSink> labelSinks =
            [
                .. web is null ? [] : new[] { web.FrameSink },
                .. outputs.Labels is { } labelsPath ? [LabelSinkFactory.Create(labelsPath, package.Labels)] : Array.Empty<ILabelSink>(),
            ];
            ClassificationPipeline pipeline;
            try
            {
                if (server is not null)
                    await server.StartAsync(stoppingToken);
                pipeline = new ClassificationPipeline(package, options, labelSinks);
            }
            catch
            {
                // The pipeline takes the sources only when it runs; before that they are still ours.
                foreach (var source in sources)
                    source.Dispose();
                throw;
            }
            using var ownedPipeline = pipeline;
            Log.Information("Monitoring {Cameras} cameras with model {Model} ({Trained}), CNN on {Provider}",
                sources.Count, package.Manifest.Name, package.Manifest.Trained ? "trained" : "UNTRAINED placeholder weights", pipeline.Provider);
            pipeline.FrameDropped += stream =>
            {
                metrics.FramesDropped.WithLabels(names[stream.Id]).Inc();
                board.OnDropped(stream.Id);
            };
            pipeline.LabelWritten += label =>
            {
                var i = label.Header.Stream.Id;
                if (label.Reset == ResetReason.Discontinuity)
                {
                    // The camera was down (its retained label cleared) and the GRU starts from zero:
                    // the label is established again and reported as a new label event.
                    hysteresis[i].Reset();
                    current[i] = null;
                }
                if (cluster is not null && label.Reset != ResetReason.None)
                    resets[i] = label.Reset;
                metrics.FramesClassified.WithLabels(names[i]).Inc();
                metrics.Latency.WithLabels(names[i]).Observe(label.LatencyMilliseconds / 1000);
                // "none" (below the thresholds, or the background class) is a decision, not a weak label: it is held like a label of
                // full confidence, so a gesture that ends is reported as a change to none.
                var change = hysteresis[i].Observe(label.LabelIndex, LabelThresholds.IsNone(package.Labels, label.LabelIndex) ? 1f : label.Confidence, label.Header.Timestamp);
                board.OnLabel(i, hysteresis[i].Current, label.Confidence);
                if (change is not null)
                {
                    OnLabelChange(i, change, label, current, metrics, events, web, resets[i]);
                    resets[i] = ResetReason.None;
                }
            };
            var batchesSeen = new Dictionary<int, long>();
            metrics.Registry.AddBeforeCollectCallback(() =>
            {
                // The pipeline counts batches by size; the histogram gets what was added since the last scrape.
                foreach (var (size, count) in pipeline.Statistics.BatchSizeHistogram())
                {
                    var added = count - batchesSeen.GetValueOrDefault(size);
                    if (added > 0)
                        metrics.BatchSize.Observe(size, added);
                    batchesSeen[size] = count;
                }
                if (mqttSink is not null)
                    metrics.MqttConnected.Set(mqttSink.IsConnected ? 1 : 0);
                foreach (var (queue, depth) in pipeline.QueueDepths())
                    metrics.QueueDepth.WithLabels(queue).Set(depth);
                for (var i = 0; i < sources.Count; i++)
                {
                    metrics.FramesIn.WithLabels(names[i]).IncTo(sources[i].FramesReceived);
                    metrics.Reconnects.WithLabels(names[i]).IncTo(sources[i].Reconnects);
                }
            });

            PipelineResult result;
            try
            {
                if (server is not null)
                    server.Ready = true;
                web?.StartRetention();
                cluster?.Start(events, metrics, board.Snapshot, removed: () =>
                {
                    run.Outcome = MonitorOutcome.Failed;
                    lifetime.StopApplication();
                });
                result = await pipeline.RunAsync(sources, stoppingToken);
            }
            finally
            {
                if (server is not null)
                    server.Ready = false;
                // The pipeline has stopped every ffmpeg: the cameras can start on the other nodes.
                if (cluster is not null)
                    await cluster.LeaveAsync();
            }
            foreach (var stream in result.Streams)
                Log.Information("Camera {Camera}: {Frames} frames captured, {Dropped} dropped", stream.Stream.Name, stream.FramesCaptured, stream.FramesDropped);
            Log.Information("Monitor stopped after {Seconds:0.0} s, {Frames} frames labelled", result.Elapsed.TotalSeconds, result.FramesLabelled);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = ex.Message;
            throw;
        }
        finally
        {
            events.Publish(new MonitorEvent(MonitorEvent.DaemonStopped, DateTimeOffset.UtcNow,
                Reason: failure is not null ? $"failed: {failure}" : stoppingToken.IsCancellationRequested ? "stop requested" : "pipeline ended"));
        }
    }

    private void OnLabelChange(int camera, LabelChange change, FrameLabel label, LabelSnapshot?[] current, MonitorMetrics metrics, EventDispatcher events, WebUi? web,
        ResetReason reset = ResetReason.None)
    {
        var now = DateTimeOffset.UtcNow;
        var start = now - (change.Time - change.Since);
        var before = current[camera] is { } previous ? previous with { EndTime = start } : null;
        var after = new LabelSnapshot(LabelThresholds.NameOf(package.Labels, change.After), Math.Round(change.Confidence, 4), start, null);
        current[camera] = after;
        var name = cameras[camera].Source.Name;
        metrics.LabelEvents.WithLabels(name).Inc();
        Log.Information("Camera {Camera}: {Before} -> {After} ({Confidence:0.00})", name, before?.Label ?? "(none)", after.Label, after.Score);
        web?.OnLabelEvent(label, now);
        events.Publish(new MonitorEvent(MonitorEvent.Label, now, name, before, after, LatencyMs: Math.Round(label.LatencyMilliseconds, 1),
            Reset: reset == ResetReason.None ? null : LabelFormat.ResetName(reset)));
    }

    private static void OnStatus(int camera, StreamStatusChange change, CameraBoard board, MonitorMetrics metrics, EventDispatcher events)
    {
        board.OnStatus(camera, change);
        var now = DateTimeOffset.UtcNow;
        switch (change.Kind)
        {
            case StreamEventKind.Up:
                metrics.StreamUp.WithLabels(change.Stream).Set(1);
                events.Publish(new MonitorEvent(MonitorEvent.StreamUp, now, change.Stream, DownForSeconds: change.DownFor is { } d ? Math.Round(d.TotalSeconds, 3) : null));
                break;
            case StreamEventKind.Down:
                metrics.StreamUp.WithLabels(change.Stream).Set(0);
                events.Publish(new MonitorEvent(MonitorEvent.StreamDown, now, change.Stream, Reason: change.Reason));
                break;
            case StreamEventKind.Frozen:
                metrics.StreamUp.WithLabels(change.Stream).Set(0);
                events.Publish(new MonitorEvent(MonitorEvent.StreamFrozen, now, change.Stream, Reason: change.Reason));
                break;
            case StreamEventKind.Reconnecting:
                // Attempts 1, 2, 4, 8, …: a camera that stays dead for weeks does not flood the
                // events; the reconnects metric counts every attempt.
                if (BitOperations.IsPow2(change.Attempt))
                    events.Publish(new MonitorEvent(MonitorEvent.Reconnecting, now, change.Stream, Attempt: change.Attempt,
                        RetryInSeconds: change.RetryIn is { } r ? Math.Round(r.TotalSeconds, 3) : null));
                break;
        }
    }
}

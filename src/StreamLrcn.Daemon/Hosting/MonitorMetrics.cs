using Prometheus;

namespace StreamLrcn.Hosting;

/// <summary>
/// The daemon's Prometheus metrics, in a registry of their own (several daemons can share a
/// process in tests). Label <c>camera</c> is the camera name; in a cluster every metric also carries
/// <c>node</c>, the node that exports it.
/// </summary>
public sealed class MonitorMetrics
{
    public MonitorMetrics(string? node = null)
    {
        Registry = Metrics.NewCustomRegistry();
        if (node is not null)
            Registry.SetStaticLabels(new Dictionary<string, string> { ["node"] = node });
        var factory = Metrics.WithCustomRegistry(Registry);
        string[] camera = ["camera"];
        FramesIn = factory.CreateCounter("streamlrcn_frames_in_total", "Frames received from the camera (before every-k-th skipping and drops).", camera);
        FramesClassified = factory.CreateCounter("streamlrcn_frames_classified_total", "Frames labelled by the CNN and the GRU head.", camera);
        FramesDropped = factory.CreateCounter("streamlrcn_frames_dropped_total", "Frames dropped because the CNN was busy (the oldest queued frame is dropped).", camera);
        Reconnects = factory.CreateCounter("streamlrcn_reconnects_total", "Reconnect attempts.", camera);
        StreamUp = factory.CreateGauge("streamlrcn_stream_up", "1 while frames arrive from the camera, 0 while it is down.", camera);
        LabelEvents = factory.CreateCounter("streamlrcn_label_changes_total", "Label changes emitted (after hysteresis).", camera);
        string[] sink = ["sink"];
        EventsLost = factory.CreateCounter("streamlrcn_events_lost_total", "Events an output never got: its queue overflowed during an outage (oldest dropped), or it still failed at the stop.", sink);
        EventsDelivered = factory.CreateCounter("streamlrcn_events_delivered_total", "Events delivered to each output (file, mqtt).", sink);
        EventSinkFailures = factory.CreateCounter("streamlrcn_event_output_failures_total", "Failed attempts to deliver or flush events to an output (each is retried).", sink);
        EventQueueDepth = factory.CreateGauge("streamlrcn_event_queue_depth", "Events waiting for each output.", sink);
        MqttConnected = factory.CreateGauge("streamlrcn_mqtt_connected", "1 while the MQTT client is connected to the broker.");
        Latency = factory.CreateHistogram("streamlrcn_capture_to_label_seconds", "Time from a frame's arrival from ffmpeg to its label.", new HistogramConfiguration
        {
            LabelNames = camera,
            Buckets = Histogram.ExponentialBuckets(0.01, 1.6, 14),
        });
        BatchSize = factory.CreateHistogram("streamlrcn_batch_size", "Frames per CNN batch.", new HistogramConfiguration { Buckets = Histogram.LinearBuckets(1, 1, 32) });
        QueueDepth = factory.CreateGauge("streamlrcn_queue_depth", "Frames waiting in each pipeline queue (capture:<camera> are the per-camera drop-oldest queues).", "queue");
        // What a week-long run is watched by: process_* (memory, threads, handles) and dotnet_* (heap, collections),
        // plus the heap as the last collection left it, which unlike dotnet_total_memory_bytes does not saw-tooth with allocation.
        DotNetStats.Register(Registry);
        var heapAfterGc = factory.CreateGauge("streamlrcn_gc_heap_after_last_gc_bytes", "Managed heap size when the last garbage collection ended.");
        // Memory the GC holds from the system (live objects, free space it keeps, fragmentation): the
        // part of the process's RSS that is managed; the rest is native (ONNX Runtime, OpenCV, glibc).
        var gcCommitted = factory.CreateGauge("streamlrcn_gc_committed_bytes", "Memory the garbage collector has committed, as of the last collection.");
        Registry.AddBeforeCollectCallback(() =>
        {
            var info = GC.GetGCMemoryInfo();
            heapAfterGc.Set(info.HeapSizeBytes);
            gcCommitted.Set(info.TotalCommittedBytes);
        });
    }

    public CollectorRegistry Registry { get; }

    public Counter FramesIn { get; }

    public Counter FramesClassified { get; }

    public Counter FramesDropped { get; }

    public Counter Reconnects { get; }

    public Gauge StreamUp { get; }

    public Counter LabelEvents { get; }

    public Counter EventsLost { get; }

    public Counter EventsDelivered { get; }

    public Counter EventSinkFailures { get; }

    public Gauge EventQueueDepth { get; }

    public Gauge MqttConnected { get; }

    public Histogram Latency { get; }

    public Histogram BatchSize { get; }

    public Gauge QueueDepth { get; }
}

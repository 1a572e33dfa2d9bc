namespace StreamLrcn.Hosting.Web;

/// <summary>
/// One row of the event database. <see cref="Media"/> is the event's media name under the media
/// folder (<c>camera/stamp</c>): its snapshot is <c>Media.jpg</c>, the clean one <c>Media-clean.jpg</c>,
/// the clip <c>Media.mp4</c>; null for events without media (stream and daemon events).
/// <see cref="MeanConfidence"/>: a label event's label's mean probability over every frame of its
/// stretch, set when the stretch ends (null while it lasts, and for other events).
/// </summary>
public sealed record EventRecord(
    long Id,
    string? Camera,
    string Kind,
    string? Label,
    string? BeforeLabel,
    double? Score,
    DateTimeOffset StartTime,
    DateTimeOffset? EndTime,
    string? Reason,
    string? Media,
    long? Frame,
    bool Retain,
    double? MeanConfidence = null);

namespace StreamLrcn.Hosting.Web;

/// <summary>
/// A stretch of one label on one camera; <see cref="End"/> is null while it lasts.
/// <see cref="Confidence"/> is the label's mean probability over the stretch's frames once it has
/// ended (the score that set it until then, or when the recorder did not see its frames).
/// </summary>
public sealed record TimelineSegment(string Label, DateTimeOffset Start, DateTimeOffset? End, double? Confidence, long EventId);

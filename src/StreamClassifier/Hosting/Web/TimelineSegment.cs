namespace StreamLrcn.Hosting.Web;

/// <summary>A stretch of one label on one camera; <see cref="End"/> is null while it lasts.</summary>
public sealed record TimelineSegment(string Label, DateTimeOffset Start, DateTimeOffset? End, double? Confidence, long EventId);

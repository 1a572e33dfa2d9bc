namespace StreamLrcn.Hosting.Web;

/// <summary>How much of a camera's stream a label event's clip holds: <see cref="Pre"/> before the event's frame, <see cref="Post"/> after it.</summary>
public readonly record struct ClipWindow(TimeSpan Pre, TimeSpan Post);

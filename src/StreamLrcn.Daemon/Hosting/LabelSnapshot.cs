namespace StreamLrcn.Hosting;

/// <summary>A label as the events report it (Frigate's before/after objects): what, how sure, since when, until when.</summary>
public sealed record LabelSnapshot(string Label, double Score, DateTimeOffset StartTime, DateTimeOffset? EndTime);

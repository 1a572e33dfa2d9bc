namespace StreamLrcn.Capture;

/// <summary>What a source says about the frame it just read.</summary>
/// <param name="Timestamp">Presentation time, or null when the source has none.</param>
/// <param name="Discontinuity">Frames were lost before this one (a reconnect, a restart): the recurrent state must start again.</param>
public readonly record struct SourceReading(TimeSpan? Timestamp, bool Discontinuity);

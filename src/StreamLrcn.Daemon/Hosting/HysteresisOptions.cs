namespace StreamLrcn.Hosting;

/// <summary>A new label becomes the camera's label only after it has been the top label, each time with at least <see cref="MinConfidence"/>, for <see cref="MinDuration"/>.</summary>
public sealed record HysteresisOptions(double MinConfidence, TimeSpan MinDuration);

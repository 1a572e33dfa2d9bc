namespace StreamLrcn.Hosting;

/// <summary>A camera's label changed: <see cref="Before"/> is null for the first label after start.</summary>
/// <param name="Time">Stream time of the frame that confirmed the change.</param>
/// <param name="Since">Stream time at which the new label started to hold.</param>
public sealed record LabelChange(int? Before, int After, float Confidence, TimeSpan Since, TimeSpan Time);

namespace StreamLrcn.Hosting.Web;

/// <summary>What the recorder saw of a label event: its media name and the sequence number of the frame that set the label.</summary>
public sealed record EventCapture(string Media, long Frame);

namespace StreamLrcn.Capture;

/// <summary>Identity of one input stream within a run.</summary>
/// <param name="Id">Dense index, 0..streams-1, assigned in the order the inputs were given.</param>
/// <param name="Name">What outputs call the stream (a file name, a camera name).</param>
/// <param name="FramesPerSecond">Nominal rate, used where the container gives no timestamps.</param>
public sealed record StreamInfo(int Id, string Name, double FramesPerSecond);

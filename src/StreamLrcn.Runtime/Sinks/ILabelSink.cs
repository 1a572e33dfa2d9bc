using StreamLrcn.Temporal;

namespace StreamLrcn.Sinks;

/// <summary>A consumer of labels. Called from one thread; <see cref="Flush"/> makes everything written so far durable.</summary>
public interface ILabelSink : IDisposable
{
    void Write(FrameLabel label);

    void Flush();
}

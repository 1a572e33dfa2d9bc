using StreamLrcn.Temporal;

namespace StreamLrcn.Sinks;

/// <summary>
/// Turns the I/O errors of a file or pipe sink (disk full, pipe closed) into a
/// <see cref="LabelSinkException"/> that names the output and says how many labels reached it,
/// so the run stops at the first failed write rather than labelling everything for nothing.
/// Owns the inner sink.
/// </summary>
public sealed class FailureReportingSink(ILabelSink inner, string destination) : ILabelSink
{
    private long _written;
    private long _flushed;
    private bool _failed;

    public void Write(FrameLabel label)
    {
        try
        {
            inner.Write(label);
        }
        catch (IOException ex)
        {
            throw Failed(ex);
        }
        _written++;
    }

    public void Flush()
    {
        try
        {
            inner.Flush();
        }
        catch (IOException ex)
        {
            throw Failed(ex);
        }
        _flushed = _written;
    }

    private LabelSinkException Failed(IOException ex)
    {
        _failed = true;
        return new LabelSinkException($"output {destination} could not be written: {ex.Message}; it holds the first {_flushed} labels", ex);
    }

    public void Dispose()
    {
        try
        {
            inner.Dispose();
        }
        catch (IOException) when (_failed)
        {
            // Closing retries the buffered bytes that already failed; that failure has been reported.
        }
    }
}

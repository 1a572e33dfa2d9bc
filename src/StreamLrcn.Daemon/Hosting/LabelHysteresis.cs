namespace StreamLrcn.Hosting;

/// <summary>
/// Turns one camera's per-frame labels into label changes that do not flicker: a new label is
/// accepted only when it has been the top label with at least the minimum confidence on every
/// frame for the minimum duration (stream time). A frame below the confidence, or with another
/// label, restarts the wait. Called from one thread.
/// </summary>
public sealed class LabelHysteresis(HysteresisOptions options)
{
    private int? _candidate;
    private TimeSpan _candidateSince;
    private float _candidateConfidence;

    /// <summary>The accepted label; null until the first one is accepted.</summary>
    public int? Current { get; private set; }

    /// <summary>Forgets the accepted label and any candidate: after a reconnect the label is established afresh.</summary>
    public void Reset()
    {
        Current = null;
        _candidate = null;
    }

    /// <summary>Feeds one frame; returns the change it confirms, or null.</summary>
    public LabelChange? Observe(int label, float confidence, TimeSpan time)
    {
        if (confidence < options.MinConfidence || label == Current)
        {
            _candidate = null;
            return null;
        }
        if (label != _candidate)
        {
            _candidate = label;
            _candidateSince = time;
            _candidateConfidence = 0;
        }
        _candidateConfidence = Math.Max(_candidateConfidence, confidence);
        if (time - _candidateSince < options.MinDuration)
            return null;
        var change = new LabelChange(Current, label, _candidateConfidence, _candidateSince, time);
        Current = label;
        _candidate = null;
        return change;
    }
}

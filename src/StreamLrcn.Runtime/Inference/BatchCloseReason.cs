namespace StreamLrcn.Inference;

/// <summary>What closed a batch: it filled up, its deadline passed, or the input ended.</summary>
public enum BatchCloseReason
{
    Full,
    Deadline,
    EndOfInput,
}

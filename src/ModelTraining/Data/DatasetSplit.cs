namespace StreamLrcn.Training.Data;

/// <summary>Clips to train on and clips to validate on (early stopping, best checkpoint); disjoint.</summary>
public sealed record DatasetSplit(IReadOnlyList<LabelledClip> Train, IReadOnlyList<LabelledClip> Validation)
{
    /// <summary>How the split was chosen, for the manifest and reports.</summary>
    public required string Description { get; init; }
}

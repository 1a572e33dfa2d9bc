namespace StreamLrcn.Training.Data;

/// <summary>One sample of a dataset: a video file or an image-sequence folder under its label's folder.</summary>
/// <param name="Label">Name of the label folder.</param>
/// <param name="LabelIndex">Position of the label in the dataset's label list (the head's output order).</param>
/// <param name="Path">Full path of the video file or image folder.</param>
public sealed record LabelledClip(string Label, int LabelIndex, string Path)
{
    /// <summary>File or folder name, what split patterns match (for example <c>p1_t2.avi</c>).</summary>
    public string Name => System.IO.Path.GetFileName(Path.TrimEnd(System.IO.Path.DirectorySeparatorChar));

    /// <summary><c>label/name</c>, unique within a dataset; used in reports.</summary>
    public string Id => $"{Label}/{Name}";

    public override string ToString() => Id;
}

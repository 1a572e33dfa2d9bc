namespace StreamLrcn.Inference;

/// <summary>What the derived CNN takes as input. Both variants do the mean subtraction inside the graph.</summary>
public enum CnnInputFormat
{
    /// <summary>The resized frame as OpenCV holds it: uint8 [N,224,224,3], BGR. Cast and transpose run in the graph.</summary>
    Bgr24,

    /// <summary>float32 [N,3,224,224], BGR planes, values 0-255 (conversion done by the caller).</summary>
    Float32Planar,
}

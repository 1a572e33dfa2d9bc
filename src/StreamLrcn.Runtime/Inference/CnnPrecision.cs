namespace StreamLrcn.Inference;

/// <summary>Precision of the CNN's weights and arithmetic. Inputs and outputs keep their types either way.</summary>
public enum CnnPrecision
{
    Float32,

    /// <summary>Weights converted to float16 and the trunk computed in float16 (for GPUs; ~1.4x faster on an H200).</summary>
    Float16,

    /// <summary>
    /// Weights int8 and activations uint8 (static quantization with the package's calibrated ranges), for CPUs:
    /// integer kernels do several times the multiply-adds per instruction of float ones.
    /// </summary>
    Int8,
}

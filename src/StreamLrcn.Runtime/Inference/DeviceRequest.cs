using System.Globalization;

namespace StreamLrcn.Inference;

/// <summary>Where the user asked the CNN to run: <c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:ID</c>.</summary>
public sealed record DeviceRequest(DeviceKind Kind, int CudaDeviceId = 0)
{
    public static DeviceRequest Auto { get; } = new(DeviceKind.Auto);

    public static DeviceRequest Cpu { get; } = new(DeviceKind.Cpu);

    public static DeviceRequest Parse(string text)
    {
        var value = text.Trim().ToLowerInvariant();
        if (value == "auto")
            return Auto;
        if (value == "cpu")
            return Cpu;
        if (value == "cuda")
            return new DeviceRequest(DeviceKind.Cuda);
        if (value.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(value[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            return new DeviceRequest(DeviceKind.Cuda, id);
        throw new FormatException($"device '{text}' is not valid: expected auto, cpu, cuda or cuda:ID (for example cuda:0)");
    }

    public override string ToString() => Kind switch
    {
        DeviceKind.Cuda => $"cuda:{CudaDeviceId}",
        _ => Kind.ToString().ToLowerInvariant(),
    };
}

public enum DeviceKind
{
    Auto,
    Cpu,
    Cuda,
}

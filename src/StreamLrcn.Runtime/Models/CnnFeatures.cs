namespace StreamLrcn.Models;

/// <summary>
/// What the CNN gives the head per input row, from ResNet18's last feature map (512 channels of
/// 7x7): <see cref="Pooled"/> averages it over the whole map (what every package before this option
/// used), <see cref="Grid2"/> over a 2x2 grid of overlapping 4x4 cells (PyTorch's adaptive average
/// pooling to 2x2: rows and columns 0-3 and 3-6), <see cref="Flatten"/> keeps the whole map.
/// </summary>
public enum CnnFeatures
{
    /// <summary>[512]: the global average of the map.</summary>
    Pooled,

    /// <summary>[512·2·2], channel-major (c, row, column).</summary>
    Grid2,

    /// <summary>[512·7·7], channel-major (c, row, column): the map as it is.</summary>
    Flatten,
}

using System.Globalization;
using StreamLrcn.Temporal;

namespace StreamLrcn.Sinks;

/// <summary>Text forms shared by the file sinks.</summary>
public static class LabelFormat
{
    public static string ResetName(ResetReason reason) => reason switch
    {
        ResetReason.StreamStart => "stream-start",
        ResetReason.Discontinuity => "discontinuity",
        ResetReason.TimeJump => "time-jump",
        ResetReason.UserReset => "user-reset",
        _ => "",
    };

    public static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}

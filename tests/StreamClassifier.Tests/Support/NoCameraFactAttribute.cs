namespace StreamLrcn.Tests.Support;

/// <summary>A fact about behaviour on a machine without a camera; skipped, with the reason, where /dev/video0 exists.</summary>
public sealed class NoCameraFactAttribute : FactAttribute
{
    public NoCameraFactAttribute()
    {
        if (File.Exists("/dev/video0"))
            Skip = "this machine has a camera (/dev/video0): the no-camera message cannot be provoked here";
    }
}

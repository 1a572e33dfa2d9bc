namespace StreamLrcn.Tests.Support;

/// <summary>
/// A fact that needs a real X display and the tools that drive it (xdotool, ImageMagick's
/// <c>import</c>); CI runs the tests inside <c>xvfb-run -a</c>. Without them the test is skipped
/// with the reason, never passed silently.
/// </summary>
public sealed class DisplayFactAttribute : FactAttribute
{
    public DisplayFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")))
            Skip = "needs an X display: run the tests under xvfb-run -a (scripts/test.sh does)";
        else if (Tools.Find("xdotool") is null || Tools.Find("import") is null)
            Skip = "needs xdotool and ImageMagick's import (scripts/install-deps.sh installs them)";
    }
}

using StreamLrcn.Capture;

namespace StreamLrcn.Tests.Capture;

public sealed class NetworkSourceOptionsTests
{
    private static readonly NetworkSourceOptions Camera = NetworkSourceOptions.For("door", "rtsp://127.0.0.1:8554/door");

    [Theory]
    [InlineData(0.0, 5.0, "cameras[3].connectTimeoutSeconds must be above 0 and at most 120, found 0")]
    [InlineData(1e6, 5.0, "cameras[3].connectTimeoutSeconds must be above 0 and at most 120, found 1000000")]
    [InlineData(10.0, 601.0, "cameras[3].frozenAfterSeconds must be above 0 and at most 600, found 601")]
    public void Timeouts_out_of_range_are_rejected_with_the_field_the_range_and_the_value(double connect, double frozen, string message)
    {
        var options = Camera with { ConnectTimeout = TimeSpan.FromSeconds(connect), FrozenAfter = TimeSpan.FromSeconds(frozen) };
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => options.Validate("cameras[3]")).Message);
    }

    [Fact]
    public void A_url_with_a_line_break_is_rejected_without_printing_its_credentials()
    {
        var options = Camera with { Url = "rtsp://admin:hunter2@127.0.0.1/door\nfile 'x'" };
        var message = Assert.Throws<ArgumentException>(() => options.Validate("cameras[0]")).Message;
        Assert.Equal("cameras[0].url must not contain control characters such as line breaks, found 'rtsp://***@127.0.0.1/door file 'x''", message);
    }

    [Fact]
    public void The_largest_timeouts_allowed_are_accepted()
    {
        (Camera with { ConnectTimeout = NetworkSourceOptions.MaxConnectTimeout, FrozenAfter = NetworkSourceOptions.MaxFrozenAfter }).Validate("cameras[0]");
    }
}

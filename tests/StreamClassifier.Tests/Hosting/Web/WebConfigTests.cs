using StreamLrcn.Hosting;
using StreamLrcn.Hosting.Web;

namespace StreamLrcn.Tests.Hosting.Web;

/// <summary>The <c>recording:</c> and <c>http.auth</c> keys as a user writes them: defaults, per-camera overrides, and mistakes named by field.</summary>
public sealed class WebConfigTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("streamlrcn-webconfig-").FullName;

    private MonitorConfig Load(string yaml)
    {
        var path = Path.Combine(_directory, "monitor.yaml");
        File.WriteAllText(path, yaml);
        return MonitorConfigLoader.Load(path);
    }

    private string ErrorOf(string yaml) => Assert.Throws<ConfigException>(() => Load(yaml).Validate()).Message;

    private const string Cameras = """
        cameras:
          - name: door
            url: rtsp://10.0.0.5/s1
            preCaptureSeconds: 8
          - name: yard
            url: rtsp://10.0.0.6/s1
        """;

    [Fact]
    public void Recording_defaults_to_a_data_folder_beside_the_config_with_5_and_5_seconds_and_a_camera_overrides_its_window()
    {
        var config = Load(Cameras);
        config.Validate();
        var recording = config.Recording!;
        Assert.True(recording.Enabled);
        Assert.Equal(Path.Combine(_directory, "data"), recording.Folder);
        Assert.Equal(new ClipWindow(TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(5)), recording.WindowFor(config.Cameras[0]));
        Assert.Equal(new ClipWindow(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)), recording.WindowFor(config.Cameras[1]));
    }

    [Theory]
    [InlineData("recording: { postCaptureSeconds: -1 }", "recording.postCaptureSeconds must be 0-60 seconds, found -1")]
    [InlineData("recording: { retainDays: 0 }", "recording.retainDays must be a positive number of days, found 0")]
    [InlineData("recording: { maxSizeMb: -5 }", "recording.maxSizeMb must be a positive number of megabytes, found -5")]
    [InlineData("recording: { jpegQuality: 101 }", "recording.jpegQuality must be 1-100, found 101")]
    [InlineData("http: { address: 0.0.0.0 }", "http.address 0.0.0.0 is reachable from other machines, so http.auth is required")]
    [InlineData("http: { address: 0.0.0.0, auth: { token: short } }", "http.auth.token must be at least 16 characters, found 5")]
    [InlineData("http: { auth: { token: 0123456789abcdef, user: me } }", "http.auth: give either a token, or a user with a passwordHash (not both, not neither)")]
    [InlineData("http: { auth: { user: me, passwordHash: plain } }", "http.auth.passwordHash must be pbkdf2-sha256$ITERATIONS$SALT_BASE64$HASH_BASE64")]
    public void Mistakes_are_named_by_their_field(string extra, string expected) =>
        Assert.Contains(expected, ErrorOf(Cameras + "\n" + extra));

    [Fact]
    public void A_camera_window_beyond_the_ring_is_refused_by_its_path()
    {
        var yaml = Cameras.Replace("preCaptureSeconds: 8", "preCaptureSeconds: 90");
        Assert.Contains("cameras[0].preCaptureSeconds must be 0-60 seconds, found 90", ErrorOf(yaml));
    }

    [Fact]
    public void Loopback_needs_no_auth_and_any_address_with_a_token_or_a_password_hash_is_accepted()
    {
        Load(Cameras + "\nhttp: { address: \"::1\" }").Validate();
        Load(Cameras + "\nhttp: { address: 0.0.0.0, auth: { token: 0123456789abcdef } }").Validate();
        Load(Cameras + $"\nhttp: {{ address: 0.0.0.0, auth: {{ user: me, passwordHash: \"{WebAccess.HashPassword("secret", 1000)}\" }} }}").Validate();
    }

    [Fact]
    public void A_password_hash_verifies_its_password_and_no_other()
    {
        var hash = WebAccess.HashPassword("correct horse", 1000);
        Assert.True(WebAccess.VerifyPassword("correct horse", hash));
        Assert.False(WebAccess.VerifyPassword("correct hors", hash));
        // Made by Python's hashlib.pbkdf2_hmac, as README shows: salt "saltsaltsalt", 1000 iterations.
        Assert.True(WebAccess.VerifyPassword("password", "pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0$sYIePhT5IXESDKvnouJXtE5pTJ6Znbmef4vViYmc9Uc="));
        Assert.False(WebAccess.VerifyPassword("Password", "pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0$sYIePhT5IXESDKvnouJXtE5pTJ6Znbmef4vViYmc9Uc="));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

namespace StreamLrcn.Capture;

/// <summary>How ffmpeg carries RTSP media: interleaved in the TCP session (survives NAT and loss) or as UDP packets (lower latency on a clean network).</summary>
public enum RtspTransport
{
    Tcp,
    Udp,
}

using System.Text;

namespace StreamLrcn.Tests.Hosting.Web;

/// <summary>Reads one part of a <c>multipart/x-mixed-replace</c> stream: its headers, then Content-Length bytes.</summary>
internal static class MjpegPart
{
    public static async Task<byte[]> ReadAsync(Stream stream)
    {
        int? length = null;
        while (true)
        {
            var line = await ReadLineAsync(stream);
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                length = int.Parse(line["Content-Length:".Length..].Trim());
            else if (line.Length == 0 && length is not null)
                break;
        }
        var body = new byte[length.Value];
        await stream.ReadExactlyAsync(body);
        return body;
    }

    private static async Task<string> ReadLineAsync(Stream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            await stream.ReadExactlyAsync(one);
            if (one[0] == '\n')
                return Encoding.ASCII.GetString(bytes.ToArray()).TrimEnd('\r');
            bytes.Add(one[0]);
        }
    }
}

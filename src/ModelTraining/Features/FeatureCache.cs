using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using StreamLrcn.Capture;
using StreamLrcn.Inference;
using StreamLrcn.Models;

namespace StreamLrcn.Training.Features;

/// <summary>
/// Per-clip CNN features on disk, one file per (clip content, CNN model, augmentation). The key
/// hashes the clip's bytes (a video file, or every image of a sequence folder with its name), so a
/// renamed clip still hits and an edited one misses; the CNN is named by its derived model file,
/// whose name already carries the hash of the network's weights.
/// </summary>
public sealed class FeatureCache
{
    // Bump when what a cached feature means changes (preprocessing, resize, file layout).
    private const string FormatVersion = "streamlrcn-features-1";
    private static readonly byte[] Magic = "SLF1"u8.ToArray();

    public FeatureCache(string directory, string cnnModelPath)
    {
        Directory = directory;
        CnnKey = Path.GetFileNameWithoutExtension(cnnModelPath);
        System.IO.Directory.CreateDirectory(directory);
    }

    public string Directory { get; }

    /// <summary>Names the CNN the features came from (the derived model's file name).</summary>
    public string CnnKey { get; }

    /// <summary>$STREAMLRCN_CACHE/features (or the runtime's default cache folder).</summary>
    public static string DefaultDirectory => Path.Combine(ResNet18FeatureModel.DefaultCacheDirectory, "features");

    /// <summary>The cache key of a clip: its content, the CNN, whether it is mirrored and, for any input but the frame itself, the stream's settings.</summary>
    /// <param name="stream">The one CNN stream cached (<see cref="CnnStreams.Describe"/>, e.g. the difference with its step and scale); null for the frame, whose keys stay as before.</param>
    public string Key(string clipPath, bool flipped, string? stream = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{FormatVersion}|{CnnKey}|{ResNet18FeatureModel.InputSize}|flip={flipped}|"));
        if (stream is not null)
            hash.AppendData(Encoding.UTF8.GetBytes($"stream={stream}|"));
        if (System.IO.Directory.Exists(clipPath))
        {
            foreach (var image in ImageFolderSource.ListImages(clipPath))
            {
                hash.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(image) + "\n"));
                AppendFile(hash, image);
            }
        }
        else
        {
            AppendFile(hash, clipPath);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }

    public string PathOf(string key) => Path.Combine(Directory, key + ".f32");

    /// <summary>Reads an entry; false when there is none. A damaged entry is deleted and reported as missing.</summary>
    public bool TryLoad(string key, int featureSize, out int frames, out float[] values)
    {
        frames = 0;
        values = [];
        var path = PathOf(key);
        if (!File.Exists(path))
            return false;
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 12 || !bytes.AsSpan(0, 4).SequenceEqual(Magic)
            || BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)) != featureSize)
        {
            File.Delete(path);
            return false;
        }
        frames = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
        if (frames < 1 || bytes.Length != 12 + (long)frames * featureSize * sizeof(float))
        {
            File.Delete(path);
            frames = 0;
            return false;
        }
        values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(12)).ToArray();
        return true;
    }

    /// <summary>Writes an entry atomically (temporary file, then rename), so a killed run never leaves half an entry.</summary>
    public void Store(string key, int frames, int featureSize, ReadOnlySpan<float> values)
    {
        if (values.Length != frames * featureSize)
            throw new ArgumentException($"expected {frames}x{featureSize} values, found {values.Length}", nameof(values));
        var path = PathOf(key);
        var temporary = path + $".{Environment.ProcessId}.tmp";
        using (var stream = File.Create(temporary))
        {
            Span<byte> header = stackalloc byte[12];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header[4..], frames);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], featureSize);
            stream.Write(header);
            stream.Write(MemoryMarshal.AsBytes(values));
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static void AppendFile(IncrementalHash hash, string path)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[1 << 16];
        int n;
        while ((n = stream.Read(buffer)) > 0)
            hash.AppendData(buffer, 0, n);
    }
}

using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.DistributedData.Durable;
using Akka.Event;
using System.Runtime.Serialization;

namespace StreamLrcn.Cluster;

/// <summary>
/// The durable store of distributed data (Akka's <c>durable.store-actor-class</c>) as plain files on
/// local disk: one file per key, written to a temporary file and renamed over the old one, so a
/// node killed mid-write keeps the previous value. Sharding keeps its remembered entities (the
/// cameras) here.
/// <para>
/// Akka's own store (Akka.DistributedData.LightningDB, 1.5.71 to 1.5.75 served) is built against
/// LightningDB 0.16, which the package source here does not serve. With either version it does
/// serve (0.23.1, 0.24.0; their native liblmdb.so loads) the store's first message fails:
/// <c>LightningExtensions.AsEnumerable(LightningCursor)</c> returns a <c>CursorEnumerable</c> there,
/// not the <c>IEnumerable&lt;(MDBValue, MDBValue)&gt;</c> the store was compiled against
/// (MissingMethodException in <c>LmdbDurableStore</c>'s <c>LoadAll</c>, so nothing is ever loaded).
/// The replicator speaks the same small protocol to this store:
/// <see cref="LoadAll"/> at start, answered by <see cref="LoadData"/> and <see cref="LoadAllCompleted"/>,
/// then one <see cref="Store"/> per change, acknowledged through its <see cref="StoreReply"/>.
/// Values are kept in Akka's own wire format for them (the replicator's serializer).
/// </para>
/// </summary>
public sealed class FileDurableStore : ReceiveActor
{
    private const string Extension = ".ddata";
    private readonly string _directory;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <param name="config">The replicator's <c>durable</c> section; <c>file.dir</c> is the folder.</param>
    public FileDurableStore(Config config)
    {
        var folder = config.GetString("file.dir", "ddata");
        // One replicator per node and per purpose: each gets its own folder under the configured one.
        var parent = Self.Path.Parent.Name;
        _directory = Path.GetFullPath(Path.Combine(folder, parent));
        Directory.CreateDirectory(_directory);
        _log.Info("Durable distributed data in {0}", _directory);
        Receive<LoadAll>(_ => Load());
        Receive<Store>(Save);
    }

    private void Load()
    {
        var data = ImmutableDictionary.CreateBuilder<string, DurableDataEnvelope>();
        foreach (var file in Directory.EnumerateFiles(_directory, "*" + Extension))
        {
            try
            {
                var bytes = File.ReadAllBytes(file);
                var key = Encoding.UTF8.GetString(Convert.FromHexString(Path.GetFileNameWithoutExtension(file)));
                data[key] = Decode(bytes);
            }
            catch (Exception ex) when (ex is IOException or FormatException or ArgumentException or SerializationException or InvalidCastException)
            {
                // One unreadable value (a disk error) must not keep the node out: the other nodes hold it too.
                _log.Warning("Durable distributed data: {0} could not be read and is ignored: {1}", file, ex.Message);
            }
        }
        if (data.Count > 0)
            Sender.Tell(new LoadData(data.ToImmutable()));
        Sender.Tell(LoadAllCompleted.Instance);
    }

    private void Save(Store store)
    {
        var path = Path.Combine(_directory, Convert.ToHexString(Encoding.UTF8.GetBytes(store.Key)) + Extension);
        try
        {
            var temporary = path + ".tmp";
            File.WriteAllBytes(temporary, Encode(store.Data));
            File.Move(temporary, path, overwrite: true);
            store.Reply?.ReplyTo.Tell(store.Reply.SuccessMessage);
        }
        catch (IOException ex)
        {
            _log.Error(ex, "Durable distributed data: {0} could not be written", path);
            store.Reply?.ReplyTo.Tell(store.Reply.FailureMessage);
        }
    }

    /// <summary>[serializer id: int32][manifest length: int32][manifest: UTF-8][payload].</summary>
    private byte[] Encode(DurableDataEnvelope envelope)
    {
        var serializer = Context.System.Serialization.FindSerializerFor(envelope);
        var manifest = Encoding.UTF8.GetBytes(Akka.Serialization.Serialization.ManifestFor(serializer, envelope));
        var payload = serializer.ToBinary(envelope);
        var bytes = new byte[8 + manifest.Length + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, serializer.Identifier);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), manifest.Length);
        manifest.CopyTo(bytes, 8);
        payload.CopyTo(bytes, 8 + manifest.Length);
        return bytes;
    }

    private DurableDataEnvelope Decode(byte[] bytes)
    {
        if (bytes.Length < 8)
            throw new FormatException($"{bytes.Length} bytes, expected at least 8");
        var id = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        var manifestLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
        if (manifestLength < 0 || 8 + manifestLength > bytes.Length)
            throw new FormatException($"manifest of {manifestLength} bytes in a file of {bytes.Length}");
        var manifest = Encoding.UTF8.GetString(bytes, 8, manifestLength);
        var payload = bytes[(8 + manifestLength)..];
        return (DurableDataEnvelope)Context.System.Serialization.Deserialize(payload, id, manifest);
    }
}

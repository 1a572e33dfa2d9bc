using System.Globalization;
using StreamLrcn.Hosting;

namespace StreamLrcn.Cluster;

/// <summary>
/// The Akka.NET configuration of a node from its <see cref="ClusterConfig"/>: cluster provider over
/// TCP, split-brain resolver keep-majority, failure detection and stable-after as configured,
/// sharding with remembered entities and coordinator state in distributed data, durable on local
/// disk (<see cref="FileDurableStore"/>) under <see cref="ClusterConfig.DataFolder"/>; with
/// <see cref="ClusterConfig.Discovery"/>, no seeds but Akka.Management Cluster Bootstrap.
/// </summary>
public static class ClusterHocon
{
    /// <summary>The name of the camera entities' shard region.</summary>
    public const string CameraTypeName = "camera";

    public static string Build(ClusterConfig config)
    {
        var c = CultureInfo.InvariantCulture;
        string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        string Ms(double seconds) => string.Create(c, $"{Math.Round(seconds * 1000)}ms");
        var seeds = string.Join(", ", config.SeedAddresses.Select(s => Quote($"akka.tcp://{config.Name}@{s.Host}:{s.Port}")));
        var roles = string.Join(", ", (config.Roles ?? []).Select(Quote));
        var dataFolder = Quote(config.DataFolder);
        var stableAfter = Ms(config.StableAfterSeconds);
        return string.Create(c, $$"""
            {{(config.Discovery is { } discovery ? Bootstrap(config, discovery, Quote) : "")}}
            akka {
              loggers = ["StreamLrcn.Cluster.SerilogAkkaLogger, StreamLrcn.Daemon"]
              loglevel = INFO
              stdout-loglevel = WARNING
              log-dead-letters = off
              log-dead-letters-during-shutdown = off
              actor {
                provider = cluster
                # The messages between nodes are small records; JSON keeps them readable in a capture.
                serialization-settings.json.preserve-object-references = false
              }
              remote {
                log-remote-lifecycle-events = off
                dot-netty.tcp {
                  hostname = {{Quote(config.BindHost ?? config.Host)}}
                  public-hostname = {{Quote(config.Host)}}
                  port = {{config.Port}}
                }
              }
              cluster {
                seed-nodes = [{{seeds}}]
                roles = [{{roles}}]
                # A node that is killed is downed by the split-brain resolver once the membership has
                # been stable this long; its cameras then restart on the survivors.
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                split-brain-resolver {
                  active-strategy = keep-majority
                  stable-after = {{stableAfter}}
                  # Restarting nodes in a test or a rolling update keep the membership changing: that must not down everyone.
                  down-all-when-unstable = off
                }
                failure-detector {
                  heartbeat-interval = {{Ms(config.HeartbeatIntervalSeconds)}}
                  acceptable-heartbeat-pause = {{Ms(config.AcceptableHeartbeatPauseSeconds)}}
                  threshold = 8.0
                }
                # Membership changes spread and are acted on twice a second (defaults: once).
                gossip-interval = 500ms
                leader-actions-interval = 500ms
                singleton.hand-over-retry-interval = 500ms
                singleton-proxy.singleton-identification-interval = 500ms
                distributed-data.durable {
                  store-actor-class = "StreamLrcn.Cluster.FileDurableStore, StreamLrcn.Daemon"
                  file.dir = {{dataFolder}}
                }
                sharding {
                  remember-entities = on
                  remember-entities-store = ddata
                  state-store-mode = ddata
                  # Cameras run until they move: never passivated for being idle.
                  passivate-idle-entity-after = off
                  rebalance-interval = {{Ms(config.RebalanceIntervalSeconds)}}
                  retry-interval = 500ms
                  coordinator-failure-backoff = 1s
                  entity-restart-backoff = 1s
                  shard-failure-backoff = 1s
                  waiting-for-state-timeout = 1s
                  handoff-timeout = 30s
                  least-shard-allocation-strategy {
                    rebalance-absolute-limit = 0
                    rebalance-threshold = 1
                    max-simultaneous-rebalance = 3
                  }
                  distributed-data.durable {
                    store-actor-class = "StreamLrcn.Cluster.FileDurableStore, StreamLrcn.Daemon"
                    file.dir = {{dataFolder}}
                  }
                }
              }
            }
            """);
    }

    /// <summary>
    /// Akka.Management's endpoint and Cluster Bootstrap over Akka.Discovery's <c>config</c> method.
    /// The contact points share ports across hosts only by chance (several nodes on one machine), so
    /// they are not filtered on this node's port; a fixed list is stable at once, so the margin before
    /// a new cluster is formed only waits for the probes.
    /// </summary>
    private static string Bootstrap(ClusterConfig config, ClusterDiscoveryConfig discovery, Func<string, string> quote)
    {
        var endpoints = string.Join(", ", discovery.ContactPointAddresses.Select(p => quote($"{p.Host}:{p.Port}")));
        return string.Create(CultureInfo.InvariantCulture, $$"""
            akka.management {
              http {
                hostname = {{quote(config.Host)}}
                port = {{discovery.ManagementPort}}
                bind-hostname = {{quote(config.BindHost ?? config.Host)}}
                bind-port = {{discovery.ManagementPort}}
              }
              cluster.bootstrap {
                contact-point-discovery {
                  service-name = {{quote(config.Name)}}
                  discovery-method = {{ClusterDiscoveryConfig.ConfigMethod}}
                  required-contact-point-nr = {{discovery.RequiredContactPoints}}
                  contact-with-all-contact-points = true
                  stable-margin = 2s
                  interval = 1s
                }
                contact-point {
                  fallback-port = {{discovery.ManagementPort}}
                  filter-on-fallback-port = false
                  probe-interval = 1s
                }
              }
            }
            akka.discovery.config.services.{{quote(config.Name)}}.endpoints = [{{endpoints}}]
            """);
    }
}

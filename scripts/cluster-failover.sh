#!/usr/bin/env bash
# Failover time of a three-node monitor cluster on this machine (127.0.0.1): six cameras from the
# GStreamer RTSP test server (160x120, 5 fps, read at 3 fps), one CNN thread per node. Each run
# kills one node with SIGKILL (the nodes in turn, so the one holding the shard coordinator is hit
# too) and measures, for the cameras it owned, the time from the kill to the first label event
# written by their new owners; then restarts the node and waits until the cameras have spread over
# the three nodes again.
#   scripts/cluster-failover.sh [RUNS]          default 5
# Cluster settings are the daemon's defaults unless HEARTBEAT, PAUSE or STABLE (seconds) are set.
# CONFIGURATION=Debug uses the Debug build; KEEP=1 keeps the run folder (configs, events, logs).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-5}
[[ "$RUNS" =~ ^[0-9]+$ && "$RUNS" -gt 0 ]] || { echo "usage: scripts/cluster-failover.sh [RUNS]" >&2; exit 2; }
CONFIGURATION=${CONFIGURATION:-Release}
dotnet build src/StreamClassifier -c "$CONFIGURATION" -nologo -v q >/dev/null
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX-2}
daemon_bin=$PWD/src/StreamClassifier/bin/$CONFIGURATION/net10.0/StreamClassifier
model=$PWD/models/default
run=$(mktemp -d /tmp/streamlrcn-failover-XXXXXX)
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

rtsp=""
nodes=("" "" "")
cleanup() {
  for p in "${nodes[@]}" $rtsp; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "run folder kept: $run"; else rm -rf "$run"; fi
}
trap cleanup EXIT

cameras=(cam0 cam1 cam2 cam3 cam4 cam5)
/usr/bin/python3 scripts/rtsp-test-server.py --port 0 --mounts "$(IFS=,; echo "${cameras[*]}")" --width 160 --height 120 --fps 5 >"$run/rtsp.out" 2>&1 &
rtsp=$!
for _ in $(seq 200); do grep -q '^ready ' "$run/rtsp.out" && break; sleep 0.1; done
rtsp_port=$(awk '/^ready /{print $2}' "$run/rtsp.out")
[ -n "$rtsp_port" ] || { echo "RTSP server did not start: $(cat "$run/rtsp.out")" >&2; exit 1; }

cluster_ports=($(free_port) $(free_port) $(free_port))
http_ports=($(free_port) $(free_port) $(free_port))
timings=""
[ -n "${HEARTBEAT:-}" ] && timings+="  heartbeatIntervalSeconds: $HEARTBEAT"$'\n'
[ -n "${PAUSE:-}" ] && timings+="  acceptableHeartbeatPauseSeconds: $PAUSE"$'\n'
[ -n "${STABLE:-}" ] && timings+="  stableAfterSeconds: $STABLE"$'\n'
for i in 0 1 2; do
  mkdir -p "$run/node$i"
  {
    cat <<EOF
model: $model
device: cpu
threads: 1
batch: 4
defaults:
  minConfidence: 0
  minDurationSeconds: 0
  width: 160
  height: 120
  fps: 3
  connectTimeoutSeconds: 4
  frozenAfterSeconds: 3
  backoff: { initialSeconds: 0.2, maxSeconds: 0.5, jitter: 0.2 }
outputs:
  events: events.jsonl
  log: logs/monitor-.log
http:
  port: ${http_ports[$i]}
cluster:
  port: ${cluster_ports[$i]}
  seeds: ["127.0.0.1:${cluster_ports[0]}", "127.0.0.1:${cluster_ports[1]}"]
  dataFolder: cluster-data
$timings
cameras:
EOF
    for c in "${cameras[@]}"; do printf '  - name: %s\n    url: "rtsp://127.0.0.1:%s/%s"\n' "$c" "$rtsp_port" "$c"; done
  } >"$run/node$i/monitor.yaml"
done

start_node() {
  (cd "$run/node$1" && exec "$daemon_bin" monitor --config monitor.yaml >>out.log 2>&1) &
  nodes[$1]=$!
}

# Python does the JSON: the cluster view from /health, label events from the events files.
cat >"$run/probe.py" <<'EOF'
import json, sys, time, urllib.request
from datetime import datetime

def owners(http_ports, running):
    """camera -> owner when every running node's /health shows six cameras up with running owners, spread over all running nodes; else None."""
    agreed = None
    for i, port in enumerate(http_ports):
        if not running[i]:
            continue
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
                health = json.load(r)
        except Exception:
            return None
        view = {c["name"]: c.get("owner") for c in health["cameras"] if c["state"] == "up" and c.get("owner")}
        if len(view) != 6 or (agreed is not None and view != agreed):
            return None
        agreed = view
    return agreed

def label_times(folder, camera, after):
    times = []
    try:
        with open(f"{folder}/events.jsonl") as f:
            for line in f:
                if not line.endswith("\n"):
                    break
                e = json.loads(line)
                if e["type"] == "label" and e.get("camera") == camera:
                    t = datetime.fromisoformat(e["time"]).timestamp()
                    if t > after:
                        times.append(t)
    except FileNotFoundError:
        pass
    return times

command = sys.argv[1]
if command == "steady":
    # steady RUN HTTP_PORTS RUNNING NODE_NAMES TIMEOUT: waits until the cameras are spread over the running nodes; prints camera=owner lines
    _, _, run, ports, running, names, timeout = sys.argv
    ports = [int(p) for p in ports.split(",")]
    running = [r == "1" for r in running.split(",")]
    names = names.split(",")
    deadline = time.time() + float(timeout)
    while time.time() < deadline:
        view = owners(ports, running)
        if view and {names.index(o) for o in view.values()} == {i for i, r in enumerate(running) if r}:
            for camera, owner in sorted(view.items()):
                print(f"{camera}={owner}")
            sys.exit(0)
        time.sleep(0.25)
    sys.exit(1)
elif command == "failover":
    # failover RUN KILLED_AT CAMERAS FOLDERS TIMEOUT: seconds from the kill to the last of the cameras' first labels on a survivor
    _, _, run, killed_at, cameras, folders, timeout = sys.argv
    killed_at = float(killed_at)
    deadline = time.time() + float(timeout)
    while time.time() < deadline:
        firsts = []
        for camera in cameras.split(","):
            times = [t for folder in folders.split(",") for t in label_times(folder, camera, killed_at)]
            if not times:
                break
            firsts.append(min(times))
        else:
            print(f"{max(firsts) - killed_at:.2f}")
            sys.exit(0)
        time.sleep(0.1)
    sys.exit(1)
EOF

names="127.0.0.1:${cluster_ports[0]},127.0.0.1:${cluster_ports[1]},127.0.0.1:${cluster_ports[2]}"
ports="${http_ports[0]},${http_ports[1]},${http_ports[2]}"
for i in 0 1 2; do start_node "$i"; done
echo "three nodes starting (cluster ports ${cluster_ports[*]}), six cameras on rtsp://127.0.0.1:$rtsp_port"
/usr/bin/python3 "$run/probe.py" steady "$run" "$ports" 1,1,1 "$names" 180 >"$run/owners" \
  || { echo "the cluster did not spread the six cameras over three nodes within 180 s" >&2; exit 1; }

results=()
for r in $(seq "$RUNS"); do
  victim=$(( (r - 1) % 3 ))
  victim_name="127.0.0.1:${cluster_ports[$victim]}"
  moved=$(awk -F= -v v="$victim_name" '$2 == v {print $1}' "$run/owners" | paste -sd, -)
  survivors=""; running=""
  for i in 0 1 2; do
    if [ "$i" != "$victim" ]; then survivors+="${survivors:+,}$run/node$i"; running+="${running:+,}1"; else running+="${running:+,}0"; fi
  done
  killed_at=$(date +%s.%N)
  kill -9 "${nodes[$victim]}"
  wait "${nodes[$victim]}" 2>/dev/null || true
  nodes[$victim]=""
  if seconds=$(/usr/bin/python3 "$run/probe.py" failover "$run" "$killed_at" "$moved" "$survivors" 120); then
    results+=("$seconds")
    echo "run $r: node $victim ($victim_name) killed with cameras $moved; labelling on the survivors after $seconds s"
  else
    echo "run $r: cameras $moved did not label on the survivors within 120 s" >&2
    exit 1
  fi
  start_node "$victim"
  /usr/bin/python3 "$run/probe.py" steady "$run" "$ports" 1,1,1 "$names" 180 >"$run/owners" \
    || { echo "run $r: the cameras did not spread over the three nodes again within 180 s" >&2; exit 1; }
done

printf '%s\n' "${results[@]}" | sort -n | awk -v hb="${HEARTBEAT:-0.5}" -v pause="${PAUSE:-2.5}" -v stable="${STABLE:-2.5}" '
  { v[NR] = $1; sum += $1 }
  END {
    median = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "failover over %d runs (kill -9 -> first label on the new owner): min %.2f s, median %.2f s, max %.2f s, mean %.2f s\n", NR, v[1], median, v[NR], sum / NR
    printf "settings: heartbeatIntervalSeconds %s, acceptableHeartbeatPauseSeconds %s, stableAfterSeconds %s; cameras 160x120 read at 3 fps, width/height set (no ffprobe)\n", hb, pause, stable
  }'

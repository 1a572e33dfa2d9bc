#!/usr/bin/env bash
# Soak run of the monitoring daemon against local parts, for leaks and stuck children:
#   - a steady RTSP test server (basic auth) with two live cameras and one wrong path (404),
#   - a flapping RTSP server, killed and restarted or frozen (SIGSTOP) in turns,
#   - a dead camera (closed port) retried for the whole run,
#   - a mosquitto broker killed and restarted every BROKER_PERIOD seconds.
# Samples the daemon's RSS, managed heap, threads, open fds and ffmpeg/ffprobe children at the
# start, every INTERVAL seconds and at the end, then stops it with SIGTERM and prints a table.
#   scripts/soak.sh [DURATION] [INTERVAL]      DURATION/INTERVAL: seconds, or with m/h (30m, 1h)
#   scripts/soak.sh 30m 60
# Streams are 160x120 at 5 fps and the CNN gets one thread, so it runs beside other work.
# Set KEEP=1 to keep the run's folder (config, events, logs, samples.tsv). The daemon runs with
# MALLOC_ARENA_MAX=2 as the systemd unit does; MALLOC_ARENA_MAX= (empty) gives glibc's default.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds() {
  case "$1" in
    *h) echo $(( ${1%h} * 3600 )) ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}
DURATION=$(seconds "${1:-180}")
INTERVAL=$(seconds "${2:-30}")
FLAP_PERIOD=${FLAP_PERIOD:-30}     # flapping server: up for 2/3 of it, then down (killed or frozen, in turns)
BROKER_PERIOD=${BROKER_PERIOD:-60} # broker: killed at each period, back 5 s later
[[ "$DURATION" =~ ^[0-9]+$ && "$INTERVAL" =~ ^[0-9]+$ && "$INTERVAL" -gt 0 && "$DURATION" -ge "$INTERVAL" ]] \
  || { echo "usage: scripts/soak.sh [DURATION] [INTERVAL] (seconds or 30m/1h; DURATION >= INTERVAL > 0)" >&2; exit 2; }

dotnet build src/StreamClassifier -c Release -nologo -v q >/dev/null
# As deploy/streamlrcn-monitor.service runs it: two malloc arenas (MALLOC_ARENA_MAX= measures glibc's default).
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX-2}
daemon_bin=src/StreamClassifier/bin/Release/net10.0/StreamClassifier
run=$(mktemp -d /tmp/streamlrcn-soak-XXXXXX)
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "run folder kept: $run"; else rm -rf "$run"; fi
}
trap cleanup EXIT

# Starts the RTSP test server; prints its pid and port. $1: name, $2: port (0: any), $3: mounts.
start_rtsp() {
  local out="$run/$1.out"
  : >"$out"
  /usr/bin/python3 scripts/rtsp-test-server.py --port "$2" --mounts "$3" --width 160 --height 120 --fps 5 >"$out" 2>&1 &
  local pid=$!
  for _ in $(seq 200); do grep -q '^ready ' "$out" && break; sleep 0.1; done
  grep -q '^ready ' "$out" || { echo "RTSP server $1 did not start: $(cat "$out")" >&2; exit 1; }
  echo "$pid $(awk '/^ready /{print $2}' "$out")"
}

start_broker() {
  mosquitto -c "$run/mosquitto.conf" >>"$run/mosquitto.log" 2>&1 &
  broker=$!
  pids+=("$broker")
}

# The steady server's credentials reach it through its environment and the daemon through the config:
# neither is on a command line.
password="soak-$RANDOM$RANDOM"
read -r steady steady_port < <(RTSP_TEST_AUTH="viewer:$password" start_rtsp steady 0 live0,live1)
pids+=("$steady")
read -r flap flap_port < <(start_rtsp flap 0 flap)
pids+=("$flap")
mqtt_port=$(free_port)
http_port=$(free_port)
dead_port=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$mqtt_port" >"$run/mosquitto.conf"
start_broker

cat >"$run/soak.yaml" <<EOF
model: $PWD/models/default
device: cpu
threads: 1
batch: 4
defaults:
  connectTimeoutSeconds: 4
  frozenAfterSeconds: 2
  backoff: { initialSeconds: 0.25, maxSeconds: 5, jitter: 0.2 }
cameras:
  - { name: live0, url: "rtsp://viewer:$password@127.0.0.1:$steady_port/live0" }
  - { name: live1, url: "rtsp://viewer:$password@127.0.0.1:$steady_port/live1" }
  - { name: flapping, url: "rtsp://127.0.0.1:$flap_port/flap" }
  - { name: dead, url: "rtsp://127.0.0.1:$dead_port/cam" }
  - { name: missing, url: "rtsp://viewer:$password@127.0.0.1:$steady_port/no-such-path" }
outputs:
  events: events.jsonl
  log: logs/monitor-.log
  mqtt: { host: 127.0.0.1, port: $mqtt_port, prefix: soak }
http: { address: 127.0.0.1, port: $http_port }
EOF

(cd "$run" && exec "$OLDPWD/$daemon_bin" monitor --config soak.yaml >daemon.out 2>&1) &
daemon=$!
pids+=("$daemon")

metric() { awk -v name="$1" '$1 == name { printf "%.0f", $2; found = 1 } END { if (!found) printf "-" }' "$run/metrics"; }
sample() {
  local label=$1 status="/proc/$daemon/status"
  [ -r "$status" ] || { echo "the daemon (pid $daemon) is gone; its output:" >&2; tail -20 "$run/daemon.out" >&2; exit 1; }
  curl -s --max-time 5 "http://127.0.0.1:$http_port/metrics" >"$run/metrics" || : >"$run/metrics"
  local rss threads fds ffmpeg ffprobe
  rss=$(awk '/^VmRSS:/ { print $2 * 1024 }' "$status")
  threads=$(awk '/^Threads:/ { print $2 }' "$status")
  fds=$(find "/proc/$daemon/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
  ffmpeg=$(pgrep -c -P "$daemon" -x ffmpeg || true)
  ffprobe=$(pgrep -c -P "$daemon" -x ffprobe || true)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$(( $(date +%s) - started ))" "$rss" \
    "$(metric streamlrcn_gc_heap_after_last_gc_bytes)" "$(metric dotnet_total_memory_bytes)" "$threads" "$fds" "$ffmpeg" "$ffprobe" \
    "$(awk '$1 ~ /^streamlrcn_frames_classified_total/ { n += $2 } END { printf "%.0f", n }' "$run/metrics")" \
    "$(grep -c . "$run/events.jsonl" 2>/dev/null || echo 0)" "$(metric streamlrcn_gc_committed_bytes)" | tee -a "$run/samples.tsv" | format_row
}
format_row() {
  awk -F'\t' '{ printf "%-7s %6s s  rss %7.1f MiB  GC committed %6s MiB  heap(after GC) %6s MiB  heap(now) %6s MiB  threads %3s  fds %4s  ffmpeg %s  ffprobe %s  classified %7s  events %5s\n",
    $1, $2, $3 / 1048576, ($12 == "-" ? "-" : sprintf("%.1f", $12 / 1048576)), ($4 == "-" ? "-" : sprintf("%.1f", $4 / 1048576)), ($5 == "-" ? "-" : sprintf("%.1f", $5 / 1048576)), $6, $7, $8, $9, $10, $11 }'
}

started=$(date +%s)
echo "soak: ${DURATION} s, a sample every ${INTERVAL} s; run folder $run"
echo "cameras: live0, live1 (auth), flapping (every ${FLAP_PERIOD} s), dead (closed port), missing (404); broker restarted every ${BROKER_PERIOD} s"
# Start: once every live camera is labelling (or after 60 s).
for _ in $(seq 600); do
  labels=$(grep -c '"type":"label"' "$run/events.jsonl" 2>/dev/null || true)
  [ "${labels:-0}" -ge 2 ] && break
  sleep 0.1
done
printf 'sample\tseconds\trss_bytes\theap_after_gc_bytes\theap_now_bytes\tthreads\tfds\tffmpeg\tffprobe\tclassified\tevents\tgc_committed_bytes\n' >"$run/samples.tsv"
started=$(date +%s)
sample start

flap_turn=0 flap_down_since=-1 broker_down_since=-1 next_sample=$INTERVAL
while :; do
  sleep 1
  now=$(( $(date +%s) - started ))
  [ "$now" -ge "$DURATION" ] && break
  phase=$(( now % FLAP_PERIOD ))
  if [ "$phase" -ge $(( FLAP_PERIOD * 2 / 3 )) ] && [ "$flap_down_since" -lt 0 ]; then
    if (( flap_turn % 2 == 0 )); then kill "$flap"; wait "$flap" 2>/dev/null || true; else kill -STOP "$flap"; fi
    flap_down_since=$now
  elif [ "$phase" -lt $(( FLAP_PERIOD * 2 / 3 )) ] && [ "$flap_down_since" -ge 0 ]; then
    if (( flap_turn % 2 == 0 )); then read -r flap _ < <(start_rtsp flap "$flap_port" flap); pids+=("$flap"); else kill -CONT "$flap"; fi
    flap_turn=$(( flap_turn + 1 )) flap_down_since=-1
  fi
  if [ $(( now % BROKER_PERIOD )) -eq 0 ] && [ "$broker_down_since" -lt 0 ]; then
    kill "$broker"; wait "$broker" 2>/dev/null || true
    broker_down_since=$now
  elif [ "$broker_down_since" -ge 0 ] && [ $(( now - broker_down_since )) -ge 5 ]; then
    start_broker
    broker_down_since=-1
  fi
  if [ "$now" -ge "$next_sample" ]; then
    sample "$(( now / 60 ))m$(( now % 60 ))s"
    next_sample=$(( next_sample + INTERVAL ))
  fi
done
sample end

# SIGTERM: a clean stop leaves no child.
children=$(pgrep -P "$daemon" -d, -x 'ffmpeg|ffprobe' || true)
kill -TERM "$daemon"
code=0; wait "$daemon" || code=$?
left=0
# ps exits 1 when none of them is left, which is the good case.
[ -n "$children" ] && left=$( (ps -o pid= -p "$children" 2>/dev/null || true) | wc -l)

echo
echo "== soak summary: ${DURATION} s, 5 cameras (2 live, 1 flapping, 1 dead, 1 missing), broker restarts every ${BROKER_PERIOD} s"
awk -F'\t' -v warm="$INTERVAL" '
  NR == 1 { next }
  { n++; t[n] = $2; for (i = 3; i <= 12; i++) v[n, i] = $i
    for (i = 3; i <= 12; i++) if ($i != "-" && (max[i] == "" || $i + 0 > max[i])) max[i] = $i + 0 }
  END {
    split("rss_bytes heap_after_gc_bytes heap_now_bytes threads fds ffmpeg ffprobe", names, " ")
    # The warm-up ends at the first sample after the start (models loaded, every camera seen once).
    w = n > 2 ? 2 : 1
    printf "%-22s %14s %14s %14s %14s %14s\n", "", "start", "after warm-up", "end", "max", "end - warm-up"
    for (i = 3; i <= 9; i++) {
      name = names[i - 2]; bytes = name ~ /bytes/
      s = v[1, i]; a = v[w, i]; e = v[n, i]
      if (bytes) printf "%-22s %11.1f MiB %11.1f MiB %11.1f MiB %11.1f MiB %+11.1f MiB\n", name, s / 1048576, a / 1048576, e / 1048576, max[i] / 1048576, (e - a) / 1048576
      else printf "%-22s %14s %14s %14s %14s %+14d\n", name, s, a, e, max[i], e - a
    }
    i = 12; s = v[1, i]; a = v[w, i]; e = v[n, i]
    if (e != "-") printf "%-22s %11.1f MiB %11.1f MiB %11.1f MiB %11.1f MiB %+11.1f MiB\n", "gc_committed_bytes", s / 1048576, a / 1048576, e / 1048576, max[i] / 1048576, (e - a) / 1048576
    printf "%-22s %14s %14s %14s\n", "frames classified", v[1, 10], v[w, 10], v[n, 10]
    printf "%-22s %14s %14s %14s\n", "events written", v[1, 11], v[w, 11], v[n, 11]
    printf "warm-up sample at %s s, end at %s s\n", t[w], t[n]
  }' "$run/samples.tsv"
echo "SIGTERM: exit code $code, ffmpeg/ffprobe children left: $left"
echo "samples: $run/samples.tsv$([ "${KEEP:-0}" = 1 ] || echo ' (deleted at exit; KEEP=1 keeps it)')"
[ "$code" -eq 0 ] && [ "$left" -eq 0 ]

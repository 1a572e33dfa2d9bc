#!/usr/bin/env bash
# Regenerates the README's pictures of the web interface from a real run: three cameras from the
# local RTSP test server, the daemon with recording on, and headless Chromium taking
# docs/web-grid.png, docs/web-camera.png and docs/web-events.png.
#   scripts/web-screenshots.sh            (BUILD=Debug to reuse a debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-Release}
scripts/install-deps.sh
dotnet build src/StreamClassifier -c "$build" -nologo -v q
work=$(mktemp -d)
server_pid=""; daemon_pid=""
cleanup() {
  [ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

/usr/bin/python3 scripts/rtsp-test-server.py --port 0 --mounts front_door,yard,garage --width 320 --height 240 --fps 5 > "$work/server.out" &
server_pid=$!
for _ in $(seq 1 100); do grep -q "^ready" "$work/server.out" && break; sleep 0.1; done
rtsp_port=$(awk '/^ready/ {print $2}' "$work/server.out")
http_port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/monitor.yaml" <<YAML
model: $PWD/models/default
device: cpu
threads: 1
defaults:
  fps: 5
  minConfidence: 0
  minDurationSeconds: 1
outputs:
  events: events.jsonl
http:
  port: $http_port
recording:
  folder: data
  preCaptureSeconds: 2
  postCaptureSeconds: 2
cameras:
  - { name: front_door, url: "rtsp://127.0.0.1:$rtsp_port/front_door" }
  - { name: yard, url: "rtsp://127.0.0.1:$rtsp_port/yard" }
  - { name: garage, url: "rtsp://127.0.0.1:$rtsp_port/garage" }
YAML
dotnet "src/StreamClassifier/bin/$build/net10.0/StreamClassifier.dll" monitor --config "$work/monitor.yaml" > "$work/daemon.log" 2>&1 &
daemon_pid=$!
site="http://127.0.0.1:$http_port"

# Wait for a few label events whose clips are written (one of them front_door's, the most colourful
# picture), then let the timeline grow a little.
event=""
for _ in $(seq 1 180); do
  event=$(curl -fs "$site/api/events?kind=label" | /usr/bin/python3 -c 'import json, sys; e = [x for x in json.load(sys.stdin) if x["has_clip"]]; f = [x["id"] for x in e if x["camera"] == "front_door"]; print(f[0] if len(e) >= 3 and f else "")' 2>/dev/null || true)
  [ -n "$event" ] && break
  sleep 1
done
[ -n "$event" ] || { echo "no label event with a clip after 3 minutes; daemon log:"; cat "$work/daemon.log"; exit 1; }
sleep 5

shot() {  # URL FILE
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,860 \
    --virtual-time-budget=6000 --screenshot="$2" "$1" 2>/dev/null
  echo "$2: $(stat -c %s "$2") bytes"
}
shot "$site/" docs/web-grid.png
shot "$site/camera.html?name=front_door" docs/web-camera.png
shot "$site/events.html?id=$event" docs/web-events.png

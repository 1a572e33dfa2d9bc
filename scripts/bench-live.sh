#!/usr/bin/env bash
# Live benchmark: starts the local GStreamer RTSP test server (640x480 at 30 fps by default, so
# that several streams outpace the CNN on a small CPU), runs `bench-live` for 1, 2 and 4 streams
# against it (STREAMS=1,2,4,6,8 for other counts), and stops the server. Extra arguments go to bench-live
# (e.g. --seconds 20 --threads 2 --precision int8).
#   scripts/bench-live.sh [bench-live options]
set -euo pipefail
cd "$(dirname "$0")/.."
WIDTH=${WIDTH:-640} HEIGHT=${HEIGHT:-480} FPS=${FPS:-30}
dotnet build src/StreamClassifier -c Release -nologo -v q >/dev/null
out=$(mktemp)
/usr/bin/python3 scripts/rtsp-test-server.py --port 0 --mounts cam0,cam1,cam2,cam3 --width "$WIDTH" --height "$HEIGHT" --fps "$FPS" >"$out" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 100); do grep -q '^ready ' "$out" && break; sleep 0.1; done
port=$(awk '/^ready /{print $2}' "$out")
[ -n "$port" ] || { echo "the RTSP test server did not start" >&2; exit 1; }
src/StreamClassifier/bin/Release/net10.0/StreamClassifier bench-live \
  --url "rtsp://127.0.0.1:$port/cam0" "rtsp://127.0.0.1:$port/cam1" "rtsp://127.0.0.1:$port/cam2" "rtsp://127.0.0.1:$port/cam3" \
  --streams "${STREAMS:-1,2,4}" --device cpu "$@"

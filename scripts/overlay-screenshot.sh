#!/usr/bin/env bash
# Regenerates docs/overlay.png, the README's picture of the live window: runs `live` on a clip of
# ../shared/data under a virtual display, presses s (snapshot) once labels are on screen, then q.
#   scripts/overlay-screenshot.sh [VIDEO]
set -euo pipefail
cd "$(dirname "$0")/.."
video=${1:-../shared/data/arm-gestures/raise_arms_side/p1_t3.avi}
scripts/install-deps.sh
dotnet build src/StreamClassifier -c Release -nologo -v q
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/drive.sh" <<'INNER'
set -euo pipefail
video=$1; work=$2
src/StreamClassifier/bin/Release/net10.0/StreamClassifier live --source "$video" --model models/default --snapshots "$work" 2> "$work/log" &
pid=$!
for _ in $(seq 1 240); do grep -q "first labelled frame" "$work/log" && break; sleep 0.5; done
sleep 0.8   # let a few labels (and a window label) arrive
window=$(xdotool search --name "StreamLrcn - " | head -1)
xdotool windowfocus --sync "$window"
xdotool key s
sleep 1
xdotool key q
wait "$pid"
INNER
xvfb-run -a -s "-screen 0 1280x1024x24" bash "$work/drive.sh" "$video" "$work"
cp "$(ls "$work"/snapshot-*.png | head -1)" docs/overlay.png
echo "docs/overlay.png: $(stat -c %s docs/overlay.png) bytes"

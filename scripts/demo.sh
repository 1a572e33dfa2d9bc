#!/usr/bin/env bash
# The main job on the shipped default model: replays a video (yours, or a generated 640x480
# H.264 clip when none is given) and writes one label record per frame to out/replay.jsonl.
#   scripts/demo.sh [VIDEO-OR-IMAGE-FOLDER ...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
dotnet build src/StreamClassifier -c Release -nologo -v q
mkdir -p out
inputs=("$@")
if [ ${#inputs[@]} -eq 0 ]; then
  if [ -d ../shared/data/arm-gestures ]; then
    inputs=(../shared/data/arm-gestures/raise_arms_side/p1_t1.avi)
  else
    ffmpeg -loglevel error -y -f lavfi -i "testsrc2=size=640x480:rate=30:duration=10" -c:v libx264 -pix_fmt yuv420p out/demo.mp4
    inputs=(out/demo.mp4)
  fi
fi
src/StreamClassifier/bin/Release/net10.0/StreamClassifier replay "${inputs[@]}" --model models/default --out out/replay.jsonl
echo "first records of out/replay.jsonl:"
head -n 3 out/replay.jsonl

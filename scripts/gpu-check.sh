#!/usr/bin/env bash
# The GPU check of the CUDA path, to run ON a GPU machine from an unpacked self-contained publish
# (see README "GPU"). It writes everything it measures to ${OUT:-./gpu-check}.
#   here:   dotnet publish src/StreamClassifier -c Release -r linux-x64 --self-contained -o /tmp/pub
#           ../shared/tools/gpu-pack.sh /tmp/pub models/default scripts/gpu-check.sh
#   there:  source .gpu-pack/unpack.sh && cd /root/app && bash extra/gpu-check.sh
set -uo pipefail
app=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-./gpu-check}
mkdir -p "$out"
model=$app/extra/default
[ -d "$model" ] || model=models/default
export STREAMLRCN_CACHE=${STREAMLRCN_CACHE:-/tmp/streamlrcn-cache}
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  nproc
} > "$out/machine.txt" 2>&1
# 1. The provider loads and a replay runs on it (its log says which provider runs and why).
"$app/StreamClassifier" replay pattern --model "$model" --out "$out/replay.jsonl" --device cuda > "$out/replay.txt" 2>&1
echo "replay exit $?" >> "$out/replay.txt"
# 2. The suite, fp32 then fp16: raw session per batch size, pipeline on in-memory sources and on
#    H.264 files (generated with ffmpeg when the machine has it).
for precision in fp32 fp16; do
  timeout 240 "$app/StreamClassifier" bench --suite --device cuda --precision "$precision" --model "$model" \
    --streams 16 --suite-frames 40000 > "$out/suite-$precision.txt" 2>&1
  echo "suite $precision exit $?" >> "$out/suite-$precision.txt"
done
tail -n 20 "$out"/*.txt

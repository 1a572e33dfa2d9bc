#!/usr/bin/env bash
# How often a model labels scenes without a gesture "none" (README "A none label"), through the
# runtime (replay): the synthetic idle clips of trial 3 (the default's validation trial: still,
# noise, flicker, shake), a still clip made as before the background class (the first frame of
# wave/p2_t1.avi held for 60 frames), the synthetic `pattern` input (moving shapes), and a crude
# walk-by: a 220x340 cut-out of person 2 standing, slid across a still frame of person 1 at 9.5 px
# a frame (its box edges show; no legs move). Then the gesture clips of trial 3, for the share of
# their frames labelled none.
#   scripts/none-cases.sh [MODEL] [DATASET] [OUT]     → OUT/none-cases.md
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-models/default}
data=${2:-../shared/data/arm-gestures}
out=${3:-out/none-cases}
bin=${TRAINER:-src/ModelTraining/bin/Release/net10.0/ModelTraining}
classifier=${CLASSIFIER:-src/StreamClassifier/bin/Release/net10.0/StreamClassifier}
[[ -x $bin ]] || dotnet build src/ModelTraining -c Release -nologo -v q
[[ -x $classifier ]] || dotnet build src/StreamClassifier -c Release -nologo -v q
mkdir -p "$out"
"$bin" idle-clips "$data" --out "$out/idle" --from wave > "$out/idle-clips.log" 2>&1
ffmpeg -v error -y -i "$data/wave/p2_t1.avi" -frames:v 1 "$out/p2_t1-first.png"
ffmpeg -v error -y -loop 1 -framerate 30000/1001 -i "$out/p2_t1-first.png" -frames:v 60 -c:v mpeg4 -q:v 3 "$out/still-p2_t1.avi"
ffmpeg -v error -y -i "$data/wave/p1_t3.avi" -frames:v 1 "$out/scene.png"
ffmpeg -v error -y -i "$data/wave/p2_t3.avi" -frames:v 1 "$out/walker.png"
ffmpeg -v error -y -loop 1 -framerate 30000/1001 -i "$out/scene.png" -loop 1 -framerate 30000/1001 -i "$out/walker.png" \
  -filter_complex "[1]crop=220:340:210:140[p];[0][p]overlay=x='-220+n*9.5':y=140:eval=frame" -frames:v 90 -c:v mpeg4 -q:v 3 "$out/walk-by.avi"
run() { # NAME INPUT...
  local name=$1; shift
  "$classifier" replay "$@" --model "$model" --out "$out/$name.jsonl" > "$out/$name.log" 2>&1
}
run idle "$out"/idle/p*_t3-*.mp4
run still "$out/still-p2_t1.avi"
run pattern pattern
run walk-by "$out/walk-by.avi"
run gestures "$data"/*/p*_t3.avi
python3 - "$out" > "$out/none-cases.md" <<'PY'
import json, sys, collections
out = sys.argv[1]
print("| input | frames | labelled none | windows | windows none | other labels (frames) |")
print("| --- | --- | --- | --- | --- | --- |")
for name in ("idle", "still", "pattern", "walk-by", "gestures"):
    streams = collections.OrderedDict()
    for line in open(f"{out}/{name}.jsonl"):
        r = json.loads(line)
        s = streams.setdefault(r["stream"], {"frames": 0, "none": 0, "windows": 0, "wnone": 0, "labels": collections.Counter()})
        s["frames"] += 1
        s["none"] += r["label"] == "none"
        s["labels"][r["label"]] += 1
        if "window" in r:
            s["windows"] += 1
            s["wnone"] += r["window"]["label"] == "none"
    for stream, s in streams.items():
        others = ", ".join(f"{k} {v}" for k, v in s["labels"].most_common() if k != "none")
        print(f"| {stream} | {s['frames']} | {s['none']} ({100 * s['none'] / s['frames']:.1f} %) | {s['windows']} | {s['wnone']} | {others} |")
PY
cat "$out/none-cases.md"

#!/usr/bin/env bash
# Cross-person comparison of head inputs (README "Motion stream", "A none label"): for each design,
# train on one person's trials 1-2 (trial 3 of the same person validates: early stopping, the kept
# epoch and, with NONE_RECALL, the thresholds), then score every gesture clip of the other person at
# the full and at half the frame rate (evaluate --every 2) and, with BACKGROUND, the other person's
# synthetic idle clips (idle-clips: a still frame held, with noise, flicker or camera drift): how
# many of their frames are labelled none. With NONE_RECALL the same heads are also scored without
# their thresholds (variant without "+recall"). Both directions, three seeds. The
# recipe is the trainer's default for every design: nothing is tuned on the test person. Features
# are cached, so only the first run extracts.
#   scripts/cross-person.sh [DATASET] [OUT]     → OUT/results.tsv and OUT/summary.md
# Environment: DESIGNS (default "rgb rgb,difference difference"), SEEDS ("1 2 3"), PAIRS ("1-2 2-1"), DIFFERENCE_STEPS
# (the difference steps trained on, "1,2"; the first is the package's step), FRAME_STEP_TOO (1: also
# score each head with its step counting frames instead of being a time), BACKGROUND (1: the idle clips of the training person
# train a background class "none"), NONE_RECALL (above 0: thresholds chosen on validation),
# TRAIN_OPTIONS (more train options), TRAINER (the ModelTraining binary).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data/arm-gestures}
out=${2:-out/cross-person}
bin=${TRAINER:-src/ModelTraining/bin/Release/net10.0/ModelTraining}
[[ -x $bin ]] || dotnet build src/ModelTraining -c Release -nologo -v q
mkdir -p "$out/models"
idle=$out/idle
"$bin" idle-clips "$data" --out "$idle" --from wave > "$out/idle-clips.log" 2>&1
variant=${BACKGROUND:+background}
variant=${variant:-gestures}
[[ ${DIFFERENCE_STEPS:-1,2} == 1,2 ]] || variant="$variant+steps${DIFFERENCE_STEPS}"
[[ ${NONE_RECALL:-0} == 0 ]] || variant="$variant+recall${NONE_RECALL}"
results=$out/results.tsv
[[ -f $results ]] || printf 'design\tvariant\ttrain\ttest\tseed\trate\tclip\twindow\tframe\tgestureNoneFrames\tgestureNoneWindows\tidleNone\n' > "$results"
# Scores MODEL (trained as VARIANT) on the test person's clips at the full and half rate, one results row each.
score() { # MODEL VARIANT DESIGN A B SEED
  local model=$1 name=$2 design=$3 a=$4 b=$5 seed=$6
  for every in 1 2; do
    "$bin" evaluate "$data" --model "$model" --test "p${b}_*" --every "$every" --report "$model-eval-$every" --device cpu \
      ${BACKGROUND:+--background "$idle"} >> "$model.log" 2>&1
    python3 - "$model-eval-$every/evaluation.json" "$design" "$name" "$a" "$b" "$seed" "$every" >> "$results" <<'PY'
import json, sys, collections
e = json.load(open(sys.argv[1]))
# Gesture clips and idle clips apart: the idle clips (a background class's, label none) count in idleNone, per kind.
clips = [c for c in e["perClip"] if c["label"] != "none"]
idle = collections.defaultdict(lambda: [0, 0])
for c in e["perClip"]:
    if c["label"] == "none":
        kind = c["clip"].rsplit("-", 1)[1].split(".")[0]
        idle[kind][0] += c["noneFrames"]
        idle[kind][1] += c["frames"]
share = lambda k, n: sum(c[k] for c in clips) / sum(c[n] for c in clips)
none = lambda k, n: f"{sum(c[k] for c in clips) / sum(c[n] for c in clips):.4f}" if clips[0].get(k) is not None else "0"
row = sys.argv[2:9] + [f"{sum(c['predicted'] == c['label'] for c in clips) / len(clips):.4f}", f"{share('windowsCorrect', 'windows'):.4f}",
    f"{share('framesCorrect', 'frames'):.4f}", none("noneFrames", "frames"), none("noneWindows", "windows"),
    ",".join(f"{k}:{n}/{t}" for k, (n, t) in sorted(idle.items())) or "-"]
print("\t".join(row))
PY
  done
}
for design in ${DESIGNS:-rgb rgb,difference difference}; do
  for pair in ${PAIRS:-1-2 2-1}; do
    a=${pair%-*} b=${pair#*-}
    for seed in ${SEEDS:-1 2 3}; do
      model=$out/models/${design/,/+}-$variant-p$a-s$seed
      extra=()
      [[ -z ${BACKGROUND:-} ]] || extra+=(--background "$idle")
      [[ ${NONE_RECALL:-0} == 0 ]] || extra+=(--none-recall "$NONE_RECALL")
      # shellcheck disable=SC2086
      "$bin" train "$data" --out "$model" --force --report "$model-report" --train "p${a}_t[12]*" --val "p${a}_t3*" \
        --seed "$seed" --streams "$design" --difference-steps "${DIFFERENCE_STEPS:-1,2}" --no-calibration --device cpu "${extra[@]}" ${TRAIN_OPTIONS:-} > "$model.log" 2>&1
      score "$model" "$variant" "$design" "$a" "$b" "$seed"
      if [[ ${NONE_RECALL:-0} != 0 ]]; then
        # The same head without its thresholds: what the thresholds add (thresholds do not change training).
        plain=${model%-p$a-s$seed}-nothresholds-p$a-s$seed
        rm -rf "$plain" && cp -r "$model" "$plain"
        python3 -c 'import json,sys; p=sys.argv[1]+"/manifest.json"; m=json.load(open(p)); m.pop("thresholds"); json.dump(m, open(p, "w"), indent=2)' "$plain"
        score "$plain" "${variant%+recall*}" "$design" "$a" "$b" "$seed"
      fi
      if [[ -n ${FRAME_STEP_TOO:-} ]]; then
        # The same head with its difference step counting frames (no framesPerSecond), as packages before: at half the rate it spans twice the time.
        frames=${model%-p$a-s$seed}-framestep-p$a-s$seed
        rm -rf "$frames" && cp -r "$model" "$frames"
        python3 -c 'import json,sys; p=sys.argv[1]+"/manifest.json"; m=json.load(open(p)); m["cnn"]["difference"].pop("framesPerSecond"); json.dump(m, open(p, "w"), indent=2)' "$frames"
        score "$frames" "$variant+framestep" "$design" "$a" "$b" "$seed"
      fi
      tail -n 2 "$results"
    done
  done
done
python3 - "$results" > "$out/summary.md" <<'PY'
import csv, sys, statistics as st
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print("| head input | variant | frame rate | gesture clips | windows | frames | gesture frames none | idle frames none (still, noise, flicker, shake) |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
def idle(sel):
    totals = {}
    for r in sel:
        for part in ([] if r["idleNone"] == "-" else r["idleNone"].split(",")):
            kind, frac = part.split(":")
            n, t = map(int, frac.split("/"))
            a = totals.setdefault(kind, [0, 0]); a[0] += n; a[1] += t
    return ", ".join(f"{100 * totals[k][0] / totals[k][1]:.1f}" for k in ("still", "noise", "flicker", "shake") if k in totals)
for key in dict.fromkeys((r["design"], r["variant"]) for r in rows):
    for rate in ("1", "2"):
        sel = [r for r in rows if (r["design"], r["variant"]) == key and r["rate"] == rate]
        if not sel:
            continue
        cell = lambda k: f"{100 * st.mean(float(r[k]) for r in sel):.1f} % (min {100 * min(float(r[k]) for r in sel):.1f})"
        print(f"| {key[0]} | {key[1]} | {'full' if rate == '1' else 'half'} | {cell('clip')} | {cell('window')} | {cell('frame')} | "
              f"{100 * st.mean(float(r['gestureNoneFrames']) for r in sel):.1f} % | {idle(sel) or '-'} |")
PY
cat "$out/summary.md"

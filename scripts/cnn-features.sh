#!/usr/bin/env bash
# Cross-person comparison of head inputs (README "Motion stream", "CNN feature options"): for each
# CNN feature option and design, train on one
# person's trials 1-2 (trial 3 of the same person validates: early stopping and the kept epoch),
# then score every clip of the other person at the full and at half the frame rate (evaluate
# --every 2). Both directions, three seeds. The recipe is the trainer's default for every design:
# nothing is tuned on the test person. Features are cached, so only the first run extracts.
#   scripts/cnn-features.sh [DATASET] [OUT]     → OUT/results.tsv and OUT/summary.md
# Environment: DESIGNS (default "rgb rgb,difference difference"), FEATURES (what the CNN gives per row:
# "pooled", or e.g. "pooled grid2 flatten"), SEEDS ("1 2 3"), DIFFERENCE_STEPS (the difference steps
# trained on, "1,2"), TORCH_THREADS (TorchSharp threads, 1), TRAINER (the ModelTraining binary).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data/arm-gestures}
out=${2:-out/cross-person}
bin=${TRAINER:-src/ModelTraining/bin/Release/net10.0/ModelTraining}
[[ -x $bin ]] || dotnet build src/ModelTraining -c Release -nologo -v q
mkdir -p "$out/models"
results=$out/results.tsv
printf 'features\tdesign\ttrain\ttest\tseed\trate\tclip\twindow\tframe\tbest_epoch\n' > "$results"
for features in ${FEATURES:-pooled}; do
for design in ${DESIGNS:-rgb rgb,difference difference}; do
  for pair in "1 2" "2 1"; do
    read -r a b <<< "$pair"
    for seed in ${SEEDS:-1 2 3}; do
      model=$out/models/$features-${design/,/+}-p$a-s$seed
      "$bin" train "$data" --out "$model" --force --report "$model-report" --train "p${a}_t[12]*" --val "p${a}_t3*" \
        --seed "$seed" --streams "$design" --difference-steps "${DIFFERENCE_STEPS:-1,2}" --features "$features" \
        --torch-threads "${TORCH_THREADS:-1}" --no-calibration --device cpu > "$model.log" 2>&1
      for every in 1 2; do
        "$bin" evaluate "$data" --model "$model" --test "p${b}_*" --every "$every" --report "$model-eval-$every" --device cpu >> "$model.log" 2>&1
        python3 - "$model-eval-$every/evaluation.json" "$model/manifest.json" "$features" "$design" "$a" "$b" "$seed" "$every" >> "$results" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
best = json.load(open(sys.argv[2]))["training"]["bestEpoch"]
print("\t".join(sys.argv[3:9] + [f"{e['clipAccuracy']:.4f}", f"{e['windowAccuracy']:.4f}", f"{e['frameAccuracy']:.4f}", str(best)]))
PY
      done
      tail -n 2 "$results"
    done
  done
done
done
python3 - "$results" > "$out/summary.md" <<'PY'
import csv, sys, statistics as st
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print("| features | head input | frame rate | clips | windows | frames |")
print("| --- | --- | --- | --- | --- | --- |")
for features, design in dict.fromkeys((r["features"], r["design"]) for r in rows):
    for rate in ("1", "2"):
        sel = [r for r in rows if r["features"] == features and r["design"] == design and r["rate"] == rate]
        cell = lambda k: f"{100 * st.mean(float(r[k]) for r in sel):.1f} % (min {100 * min(float(r[k]) for r in sel):.1f})"
        print(f"| {features} | {design} | {'full' if rate == '1' else 'half'} | {cell('clip')} | {cell('window')} | {cell('frame')} |")
print()
print("Per run at the full frame rate, clips / windows / frames, seeds in order:")
for features, design in dict.fromkeys((r["features"], r["design"]) for r in rows):
    for train, test in dict.fromkeys((r["train"], r["test"]) for r in rows):
        sel = [r for r in rows if r["features"] == features and r["design"] == design and r["train"] == train and r["rate"] == "1"]
        if sel:
            cells = " | ".join(" / ".join(f"{100 * float(r[k]):.1f}" for r in sel) for k in ("clip", "window", "frame"))
            print(f"- {features} {design} person {train} → {test}: {cells}")
PY
cat "$out/summary.md"

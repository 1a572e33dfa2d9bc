#!/usr/bin/env bash
# Trains the shipped default model (models/default) on the arm-gestures clips: trials 1-2 of both
# people train, trial 3 validates (early stopping, best checkpoint, "none" thresholds, report in
# out/reports/default). The head takes the motion stream alone (the CNN of 2·|frame − frame one
# step earlier|, the step a time: one frame at the clips' 29.97 fps), trained on 1- and 2-frame
# differences: it beat the frame's features on people it never saw (README "Motion stream"). A
# background class "none" learns from synthetic idle clips made here from the data (idle-clips: the
# first frame of each wave clip held still, with sensor noise, with a brightness flicker, with a slow
# camera drift; out/idle, not committed, the same bytes on every run), and per-label thresholds
# chosen on the validation clips turn frames no gesture reaches into "none" too (README "A none
# label"). The trainer then calibrates the int8 CNN (ranges on the training clips, checked on the
# validation clips). CNN features are cached (~/.cache/streamlrcn/features), so a rerun takes seconds
# for the head (the int8 calibration still runs the CNN).
#   scripts/train-default.sh [DATASET] [more train options]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
dotnet build src/ModelTraining -c Release -nologo -v q
data=${1:-../shared/data/arm-gestures}
shift || true
T=${TRAINER:-src/ModelTraining/bin/Release/net10.0/ModelTraining}
"$T" idle-clips "$data" --out out/idle --from wave
"$T" train "$data" --background out/idle --out models/default --force --report out/reports/default \
  --train '*_t[12]*' --val '*_t3*' --labels raise_arms_side,wave,raise_arms_front --streams difference --difference-steps 1,2 --none-recall 0.95 "$@"

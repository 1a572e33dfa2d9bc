#!/usr/bin/env bash
# Trains the shipped default model (models/default) on the arm-gestures clips: trials 1-2 of both
# people train, trial 3 validates (early stopping, best checkpoint, report in out/reports/default).
# The head takes the motion stream alone (the CNN of 2·|frame − previous frame|), trained on 1- and
# 2-frame differences: it beat the frame's features on people it never saw (README "Motion stream").
# CNN features are cached (~/.cache/streamlrcn/features), so a second run takes seconds.
#   scripts/train-default.sh [DATASET] [more train options]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
dotnet build src/ModelTraining -c Release -nologo -v q
data=${1:-../shared/data/arm-gestures}
shift || true
src/ModelTraining/bin/Release/net10.0/ModelTraining train "$data" --out models/default --force --report out/reports/default \
  --train '*_t[12]*' --val '*_t3*' --labels raise_arms_side,wave,raise_arms_front --streams difference --difference-steps 1,2 "$@"

#!/usr/bin/env bash
# Runs every test of the solution: installs what the tests need, builds, and runs them under a
# virtual X display (the live-overlay tests open real windows).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
dotnet build StreamLrcn.sln -c Release -nologo -v q
xvfb-run -a -s "-screen 0 1280x1024x24" dotnet test StreamLrcn.sln -c Release --no-build -nologo "$@"

#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages StreamLrcn needs, skipping those already present.
#   libgtk-3-0       the OpenCvSharp Linux runtime links against it (also for HighGUI windows)
#   ffmpeg           H.264 test clips, ffprobe checks, network-stream ingest, annotated video
#   xvfb xauth       a real X display for the live-overlay tests
#   xdotool imagemagick  the live-overlay tests press keys in the window and screenshot it (import)
#   mosquitto        the MQTT broker the daemon tests publish to
#   gstreamer RTSP   the RTSP server the daemon tests stream from (run with /usr/bin/python3)
#   binutils         readelf, used to check the TorchSharp load fix
#   chromium         the web-interface tests drive it headless through Playwright (ExecutablePath), and
#                    scripts/web-screenshots.sh takes the README's pictures with it
set -euo pipefail
packages=(libgtk-3-0 ffmpeg xvfb xauth xdotool imagemagick mosquitto binutils chromium
  gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly python3-gi)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

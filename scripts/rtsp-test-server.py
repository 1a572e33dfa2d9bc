#!/usr/bin/python3
"""A local RTSP server for tests and benchmarks: GStreamer's RTSP server streaming live test
patterns (videotestsrc → x264) on 127.0.0.1. Run it with /usr/bin/python3 (it needs python3-gi).

    rtsp-test-server.py --port 0 --mounts cam0,cam1 --width 320 --height 240 --fps 10

Prints "ready PORT" on stdout once it listens (port 0 picks a free port). Every client gets its
own encoder (a non-shared media), which starts with a key frame, so a client that reconnects
decodes at once.

With RTSP_TEST_AUTH=user:password in the environment (kept off the command line, which every local
user can read), every mount requires those credentials (basic auth) and refuses other clients.
"""
import argparse
import os
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

PATTERNS = ["smpte", "ball", "snow", "pinwheel", "gradient", "circular", "spokes", "colors"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mounts", default="cam0")
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--fps", type=int, default=10)
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    credentials = os.environ.get("RTSP_TEST_AUTH")
    permissions = None
    if credentials:
        user, _, password = credentials.partition(":")
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "viewer")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        for permission in (GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS, GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT):
            permissions.add_permission_for_role("viewer", permission, True)
    mounts = server.get_mount_points()
    for i, name in enumerate(n for n in args.mounts.split(",") if n):
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(
            f"( videotestsrc is-live=true pattern={PATTERNS[i % len(PATTERNS)]} "
            f"! video/x-raw,width={args.width},height={args.height},framerate={args.fps}/1 "
            f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={args.fps} bitrate=400 "
            f"! rtph264pay name=pay0 pt=96 config-interval=1 )")
        factory.set_shared(False)
        if permissions is not None:
            factory.set_permissions(permissions)
        mounts.add_factory("/" + name, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr, flush=True)
        return 1
    print(f"ready {server.get_bound_port()}", flush=True)
    loop = GLib.MainLoop()
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: loop.quit())
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/bin/bash
# Stops the daemons start.sh started, by their pid files only.
D=${D:-${TMPDIR:-/tmp}/ceph-rgw}
for n in client.rgw.a osd.0 mon.a; do f="$D/run/$n.pid"; [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
for i in $(seq 1 20); do alive=0; for n in client.rgw.a osd.0 mon.a; do f="$D/run/$n.pid"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && alive=1; done; [ $alive = 0 ] && break; sleep 0.5; done
echo stopped

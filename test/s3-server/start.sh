#!/bin/bash
# A real S3 server for the tests: a single-node, throw-away Ceph (one monitor, one memstore OSD)
# and radosgw on 127.0.0.1:$RGW_PORT, monitor on 127.0.0.1:$MON_PORT, all state under $D.
# Needs: apt-get install --no-install-recommends ceph-mon ceph-osd radosgw (.ci/run does it).
# Stop with stop.sh (kills by pid files). No mgr: fine for S3, `ceph -s` shows HEALTH_WARN.
# With TLS_PORT, TLS_CERT and TLS_KEY it also answers https (a public URL must be https).
# Started and stopped by test/helpers/s3-server.ts; usable by hand for `sifhub submit` trials.
set -euo pipefail
trap 'echo "start failed; stopping partial cluster" >&2; "$(dirname "$0")/stop.sh"' ERR
export D=${D:-${TMPDIR:-/tmp}/ceph-rgw}
RGW_PORT=${RGW_PORT:-7480}
MON_PORT=${MON_PORT:-13300}
[ -d "$D/run" ] && D="$D" "$(dirname "$0")/stop.sh" >/dev/null
rm -rf "$D"; mkdir -p "$D"/{mon,osd,log,run,rgw}
FSID=$(uuidgen)
cat > "$D/ceph.conf" <<CONF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT/0
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.0/8
cluster network = 127.0.0.0/8
ms bind ipv6 = false
keyring = $D/keyring
mon allow insecure global id reclaim = false
run dir = $D/run
log file = $D/log/\$name.log
admin socket = $D/run/\$name.asok
pid file = $D/run/\$name.pid
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon allow pool delete = true
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
[mon.a]
mon data = $D/mon
[osd.0]
osd data = $D/osd
$(if [ "${OBJECTSTORE:-memstore}" = bluestore ]; then printf 'osd objectstore = bluestore\nbluestore block path = %s/osd-block.img\nbluestore block create = true\nbluestore block size = %s\n' "$D" "${BLOCK_SIZE:-8589934592}"; else printf 'osd objectstore = memstore\nmemstore device bytes = %s\n' "${MEM_BYTES:-2147483648}"; fi)
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT$(if [ -n "${TLS_PORT:-}" ]; then printf ' ssl_endpoint=127.0.0.1:%s ssl_certificate=%s ssl_private_key=%s' "$TLS_PORT" "$TLS_CERT" "$TLS_KEY"; fi)
rgw data = $D/rgw
rgw dns name = 127.0.0.1
# S3 static website hosting, as AWS's website endpoint: a request whose Host is BUCKET.s3-website.localhost.
rgw enable static website = true
rgw dns s3website name = s3-website.localhost
CONF
C="-c $D/ceph.conf"
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$D/monmap" >/dev/null
ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$D/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
ceph-mon $C --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring"
ceph-mon $C -i a
OSD_UUID=$(uuidgen)
ceph $C osd new "$OSD_UUID" 0 >/dev/null
ceph $C auth get-or-create osd.0 mon 'allow profile osd' osd 'allow *' mgr 'allow profile osd' >> "$D/keyring"
ceph $C auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' mgr 'allow rw' >> "$D/keyring"
ceph-osd $C -i 0 --mkfs --osd-uuid "$OSD_UUID" 2>>"$D/log/mkfs.log"
ceph-osd $C -i 0
for i in $(seq 1 60); do ceph $C osd stat 2>/dev/null | grep -q '1 up' && break; sleep 1; done
ceph $C osd stat | grep -q '1 up' || { echo "osd.0 did not come up (see $D/log)" >&2; false; }
radosgw $C -n client.rgw.a
for i in $(seq 1 90); do curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" && break; sleep 1; done
curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" || { echo "radosgw did not answer (see $D/log)" >&2; false; }
radosgw-admin $C user create --uid=test --display-name=test --access-key="${ACCESS_KEY:-TESTACCESSKEY}" --secret-key="${SECRET_KEY:-TESTSECRETKEY}" >/dev/null
echo "rgw up: http://127.0.0.1:$RGW_PORT  access=${ACCESS_KEY:-TESTACCESSKEY} conf=$D/ceph.conf"

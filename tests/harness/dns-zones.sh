#!/usr/bin/env bash
# dns-zones.sh DIR HKP_PORT — the DNS world of the key-discovery tests, in DIR:
#
#   secure.test    signed (DNSSEC secure): alice's OPENPGPKEY (DANE), an
#                  openpgpkey. host (WKD, advanced method: carol), _pks._tcp
#                  SRV to the HKP server (frank), a TXT and a _submission SRV
#   insecure.test  unsigned: the domain's own address (WKD, direct method:
#                  dave), erin's OPENPGPKEY, a TXT
#   bogus.test     signed, then changed after signing, so every answer fails
#                  validation: mallory's OPENPGPKEY, the openpgpkey. host, a TXT
#
#   DIR/ta.txt         DS trust anchors of secure.test and bogus.test
#   DIR/keys/ADDR.fpr  each test user's fingerprint; ADDR.pgp its binary key
#   DIR/wkd/HOST/…     the files the WKD server serves for HOST
#   DIR/hkp/FPR.asc    the keys the HKP server holds (FPR.uids: their addresses)
#
# Keys come from gpg in a GnuPG home of its own (DIR/gnupg), zones are signed
# with ldns (ECDSA P-256); nothing outside DIR is touched.
set -euo pipefail
D=${1:?usage: dns-zones.sh DIR HKP_PORT}
HKP=${2:?usage: dns-zones.sh DIR HKP_PORT}
mkdir -p "$D/keys" "$D/hkp" "$D/wkd"
cd "$D"

export GNUPGHOME=$D/gnupg
mkdir -p -m 700 "$GNUPGHOME"
g() { gpg --batch --quiet --no-tty --pinentry-mode loopback --passphrase '' "$@"; }

# one Ed25519 key per user with a Curve25519 encryption subkey (mail to a
# user whose key routing finds goes sealed), all made by one gpg run:
# starting gpg costs more than making a key
users="alice@secure.test carol@secure.test frank@secure.test dave@insecure.test
       erin@insecure.test mallory@bogus.test"
for a in $users; do
  printf '%s\n' "Key-Type: EDDSA" "Key-Curve: ed25519" "Key-Usage: sign,cert" \
    "Subkey-Type: ECDH" "Subkey-Curve: cv25519" "Subkey-Usage: encrypt" \
    "Name-Real: ${a%@*}" "Name-Email: $a" "Expire-Date: 0" "%no-protection" "%commit"
done > keys.params
g --generate-key keys.params 2>/dev/null
g --with-colons --list-keys | awk -F: '$1 == "pub" {want = 1} $1 == "fpr" && want {fpr = $10; want = 0}
  $1 == "uid" {match($10, /<[^>]*>/); print fpr, substr($10, RSTART + 1, RLENGTH - 2)}' \
  | while read -r fpr a; do
    echo "$fpr" > "keys/$a.fpr"
    g --export "$fpr" > "keys/$a.pgp"
  done
agent=$(gpg-connect-agent 'getinfo pid' /bye 2>/dev/null | awk '/^D /{print $2}') || true
[ -n "${agent:-}" ] && kill "$agent" 2>/dev/null || true

hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }
openpgpkey() {   # ADDR: the RFC 7929 record, in the generic form NSD and ldns read
  local owner len
  owner=$(printf %s "${1%@*}" | sha256sum | cut -c1-56)
  len=$(stat -c %s "keys/$1.pgp")
  echo "$owner._openpgpkey IN TYPE61 \\# $len $(hex "keys/$1.pgp")"
}
wkd_hash() {   # ADDR: the z-base-32 hash gpg computes for WKD
  g --with-wkd-hash --list-keys "<$1>" 2>/dev/null \
    | awk -v d="@${1#*@}" 'index($1, d) > 1 && $1 !~ /[<>]/ { sub(d, "", $1); print $1; exit }'
}

head_of() {
  cat <<ZONE
\$ORIGIN $1.
\$TTL 300
@ IN SOA ns.$1. hostmaster.$1. 1 3600 600 86400 300
@ IN NS ns.$1.
ns IN A 127.0.0.1
ZONE
}
{
  head_of secure.test
  echo "openpgpkey IN A 127.0.0.1"
  echo "post IN A 127.0.0.1"
  echo "_pks._tcp IN SRV 10 5 $HKP post.secure.test."
  echo "_submission._tcp IN SRV 0 1 587 post.secure.test."
  echo "_submission._tcp IN SRV 10 1 2587 ns.secure.test."
  echo "@ IN TXT \"v=postern-test secure\""
  openpgpkey alice@secure.test
} > secure.test.zone
{
  head_of insecure.test
  echo "@ IN A 127.0.0.1"
  echo "@ IN TXT \"v=postern-test\" \" insecure\""
  openpgpkey erin@insecure.test
} > insecure.test.zone
{
  head_of bogus.test
  echo "openpgpkey IN A 127.0.0.1"
  echo "@ IN TXT \"v=postern-test bogus\""
  openpgpkey mallory@bogus.test
} > bogus.test.zone

inception=$(date -u -d '-1 day' +%Y%m%d%H%M%S)
expiry=$(date -u -d '+30 days' +%Y%m%d%H%M%S)
: > ta.txt
for z in secure.test bogus.test; do
  ksk=$(ldns-keygen -a ECDSAP256SHA256 -k $z)
  zsk=$(ldns-keygen -a ECDSAP256SHA256 $z)
  ldns-signzone -o $z -i "$inception" -e "$expiry" -f $z.zone.signed $z.zone "$zsk" "$ksk"
  ldns-key2ds -n -2 "$ksk.key" >> ta.txt
done

# bogus.test: change the data, keep the signatures
sed -i -E -e 's/^(openpgpkey\.bogus\.test\.\t.*\tA\t)127\.0\.0\.1$/\1127.0.0.2/' \
  -e 's/"v=postern-test bogus"/"v=postern-test forged"/' bogus.test.zone.signed
awk -v OFS='\t' '$4 == "OPENPGPKEY" { c = substr($NF, 40, 1); r = (c == "A") ? "B" : "A";
                                      $NF = substr($NF, 1, 39) r substr($NF, 41) } { print }' \
  bogus.test.zone.signed > bogus.tmp && mv bogus.tmp bogus.test.zone.signed
[ "$(grep -cE '127\.0\.0\.2|forged' bogus.test.zone.signed)" = 2 ] \
  || { echo "dns-zones: tampering bogus.test failed" >&2; exit 1; }

# WKD: carol by the advanced method, dave by the direct one
h=$(wkd_hash carol@secure.test)
mkdir -p wkd/openpgpkey.secure.test/.well-known/openpgpkey/secure.test/hu
: > wkd/openpgpkey.secure.test/.well-known/openpgpkey/secure.test/policy
cp keys/carol@secure.test.pgp "wkd/openpgpkey.secure.test/.well-known/openpgpkey/secure.test/hu/$h"
h=$(wkd_hash dave@insecure.test)
mkdir -p wkd/insecure.test/.well-known/openpgpkey/hu
: > wkd/insecure.test/.well-known/openpgpkey/policy
cp keys/dave@insecure.test.pgp "wkd/insecure.test/.well-known/openpgpkey/hu/$h"

# HKP: frank
fpr=$(cat keys/frank@secure.test.fpr)
g --armor --export "$fpr" > "hkp/$fpr.asc"
echo frank@secure.test > "hkp/$fpr.uids"

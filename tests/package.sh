#!/usr/bin/env bash
# The Debian package, as an operator gets it: build it from the test build's binary, check what
# it holds, install it, check the installed unit, run `pipeline check` and a demo quarter as
# the service user against the packaged config (pointed at demo sources), purge it and show
# nothing of it is left but the publications and ledger, then purge those too on request.
# Needs root, dpkg and cargo-deb; .ci/run runs it after the test suite.
set -euo pipefail
# Under pipefail, `producer | grep -q` fails when grep stops at its first match and the
# producer dies of SIGPIPE (a race that made CI red once): grep reads captured output instead.
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
[ "$(id -u)" -eq 0 ] || { echo "tests/package.sh: needs root (dpkg -i)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

# The binary of the README's test command (the `ci` profile: release at opt-level 1); an
# operator's package is built the same way from `--profile release`.
profile="${PIPELINE_PACKAGE_PROFILE:-ci}"
step "build the package from $CARGO_TARGET_DIR/$profile/pipeline"
[ -x "$CARGO_TARGET_DIR/$profile/pipeline" ] || fail "no $profile binary; run cargo test --profile $profile --features failpoints first"
cargo deb --no-build --profile "$profile" --strip --fast --output "$work/" >"$work/deb.log" 2>&1 || { cat "$work/deb.log"; fail "cargo deb"; }
deb="$(ls "$work"/pipeline_*.deb)"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#' >"$work/contents"
for path in /usr/bin/pipeline /usr/lib/systemd/system/pipeline.service /etc/pipeline/pipeline.toml \
    /usr/lib/sysusers.d/pipeline.conf /usr/lib/tmpfiles.d/pipeline.conf \
    /usr/share/pipeline/layouts/kwartaalrapportage.typ /usr/share/pipeline/layouts/raadsmemo.typ \
    /usr/share/pipeline/layouts/common.typ /usr/share/pipeline/layouts/fonts/OpenSans-Regular.ttf \
    /usr/share/pipeline/layouts/brand/noorderkwartier.svg /usr/share/doc/pipeline/README.md \
    /usr/share/doc/pipeline/examples/pipeline.example.toml; do
    grep -qx "$path" "$work/contents" || fail "the package lacks $path"
done
grep -qx /etc/pipeline/pipeline.toml <<<"$(dpkg-deb --ctrl-tarfile "$deb" | tar -x -O ./conffiles)" \
    || fail "/etc/pipeline/pipeline.toml is not a conffile"
grep -q "^ExecStart=/usr/bin/pipeline daemon$" <(dpkg-deb --fsys-tarfile "$deb" | tar -x -O ./usr/lib/systemd/system/pipeline.service) \
    || fail "the unit does not start /usr/bin/pipeline daemon"

# A leftover of an interrupted earlier run goes first, state and all.
if dpkg -s pipeline >/dev/null 2>&1 || [ -d /var/lib/pipeline ]; then
    PIPELINE_PURGE_STATE=yes dpkg --purge pipeline >/dev/null 2>&1 || true
    rm -rf /var/lib/pipeline
fi

step "install"
dpkg -i "$deb" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "dpkg -i"; }
getent passwd pipeline >/dev/null || fail "no service user 'pipeline'"
[ "$(stat -c %U /var/lib/pipeline)" = pipeline ] || fail "/var/lib/pipeline is not the service user's"
[ -f /lib/systemd/system/pipeline.service ] || fail "no /lib/systemd/system/pipeline.service"

step "the installed unit"
systemd-analyze verify /lib/systemd/system/pipeline.service 2>"$work/verify.log" || true
# verify warns about units of the host that are not ours; only lines naming ours count
if grep -i "pipeline" "$work/verify.log"; then fail "systemd-analyze verify"; fi
level="$(systemd-analyze security --offline=true --no-pager /lib/systemd/system/pipeline.service \
    | sed -n 's/.*Overall exposure level for pipeline.service: \([0-9.]*\).*/\1/p')"
echo "   exposure $level"
awk -v l="$level" 'BEGIN { exit !(l != "" && l <= 1.5) }' || fail "exposure $level above 1.5"

step "pipeline check and a demo quarter as the service user"
as_pipeline() { runuser -u pipeline -- "$@"; }
as_pipeline env -C /var/lib/pipeline /usr/bin/pipeline demo-data --out /var/lib/pipeline/demo-export \
    --scale xs --until 2024Q4 >/dev/null
# The packaged config, its sources pointed at the demo export (no mail server: the outbox).
python3 - /etc/pipeline/pipeline.toml <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
tables = re.split(r'(?m)^(?=\[)', text)
keep = []
for t in tables:
    head = t.split('\n', 1)[0].strip()
    if head in ('[mail.smtp]',) or head.startswith(('[tenant.columns', '[tenant.values')):
        continue
    if head == '[tenant.export]':
        t = '[tenant.export]\nkind = "dir"\npath = "/var/lib/pipeline/demo-export"\n\n'
    if head == '[tenant.budget]':
        t = '[tenant.budget]\nfile = "begroting-{year}.xlsx"\nsource = { kind = "dir", path = "/var/lib/pipeline/demo-export" }\n\n'
    keep.append(t)
open(path, 'w').write(''.join(keep))
PY
(cd /var/lib/pipeline && as_pipeline /usr/bin/pipeline check --quarter 2024Q4) >"$work/check.log" 2>&1 \
    || { cat "$work/check.log"; fail "pipeline check"; }
(cd /var/lib/pipeline && as_pipeline /usr/bin/pipeline run --quarter 2024Q4) >"$work/run.log" 2>&1 \
    || { cat "$work/run.log"; fail "pipeline run"; }
cat "$work/run.log"
pdfs="$(find /var/lib/pipeline/output -name '*.pdf' | wc -l)"
[ "$pdfs" -ge 2 ] || fail "the run published $pdfs PDFs"
for pdf in $(find /var/lib/pipeline/output -name '*.pdf'); do
    [ "$(stat -c %U "$pdf")" = pipeline ] || fail "$pdf is not the service user's"
    grep -q "Monitor Sociaal Domein" <<<"$(pdftotext "$pdf" - | tr -s " \n" "  ")" || fail "$pdf does not read as the monitor"
done
ls /var/lib/pipeline/output/*/outbox/*.eml >/dev/null || fail "no mail in the outbox"
grep -q published <<<"$(cd /var/lib/pipeline && as_pipeline /usr/bin/pipeline history)" || fail "history shows no publication"

step "purge keeps the publications and the ledger"
dpkg --purge pipeline >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "dpkg --purge"; }
for path in $(grep -v '/$' "$work/contents") /etc/pipeline /usr/share/pipeline /usr/share/doc/pipeline; do
    [ ! -e "$path" ] || fail "$path is left after purge"
done
dpkg -s pipeline >/dev/null 2>&1 && fail "dpkg still knows the package"
[ -f /var/lib/pipeline/ledger.sqlite ] || fail "purge removed the ledger"
[ -n "$(find /var/lib/pipeline/output -name '*.pdf')" ] || fail "purge removed the publications"

step "purge with PIPELINE_PURGE_STATE=yes removes those too"
dpkg -i "$deb" >/dev/null 2>&1 || fail "reinstall"
PIPELINE_PURGE_STATE=yes dpkg --purge pipeline >/dev/null 2>&1 || fail "dpkg --purge with state"
[ ! -e /var/lib/pipeline ] || fail "/var/lib/pipeline is left"
getent passwd pipeline >/dev/null && fail "the service user is left"
echo "package: ok"

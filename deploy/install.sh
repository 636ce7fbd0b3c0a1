#!/usr/bin/env bash
# Install (or remove) sahel-watch as a systemd service.
#
#   deploy/install.sh                 install or upgrade (idempotent)
#   deploy/install.sh --uninstall     remove binary, unit and sysusers file;
#                                     keep /etc/sahel-watch and /var/lib/sahel-watch
#   deploy/install.sh --uninstall --purge
#                                     also remove the configuration, the secrets
#                                     and the state database
#
# Variables (for packaging):
#   DESTDIR   staging root; nothing outside it is touched and systemctl /
#             systemd-sysusers are not run (the package's scripts do that)
#   PREFIX    where the binary and docs go (default /usr/local)
#   BIN       the binary to install (default target/release/sahel-watch,
#             or $CARGO_TARGET_DIR/release/sahel-watch; built with
#             `cargo build --release --locked` when missing)
#   SYSCONFDIR (default /etc), SYSTEMDUNITDIR (default /etc/systemd/system),
#   SYSUSERSDIR (default /usr/lib/sysusers.d), STATEDIR (default /var/lib/sahel-watch)
#
# The configuration file is installed only when absent: a user's
# /etc/sahel-watch/sahel-watch.toml is never overwritten.
set -euo pipefail

NAME=sahel-watch
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
SYSCONFDIR=${SYSCONFDIR:-/etc}
SYSTEMDUNITDIR=${SYSTEMDUNITDIR:-/etc/systemd/system}
SYSUSERSDIR=${SYSUSERSDIR:-/usr/lib/sysusers.d}
STATEDIR=${STATEDIR:-/var/lib/$NAME}
BIN=${BIN:-${CARGO_TARGET_DIR:-$repo/target}/release/$NAME}

bindir=$PREFIX/bin
docdir=$PREFIX/share/doc/$NAME
datadir=$PREFIX/share/$NAME
confdir=$SYSCONFDIR/$NAME

say() { printf '%s\n' "$NAME: $*"; }
die() { printf '%s\n' "$NAME: error: $*" >&2; exit 1; }

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

uninstall=0
purge=0
for arg in "$@"; do
    case $arg in
        --uninstall) uninstall=1 ;;
        --purge) purge=1 ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown argument $arg (try --help)" ;;
    esac
done
[[ $purge -eq 0 || $uninstall -eq 1 ]] || die "--purge goes with --uninstall"

# Only a real install (no DESTDIR) talks to systemd, and only on a host booted with it.
live=0
if [[ -z $DESTDIR ]]; then
    [[ $(id -u) -eq 0 ]] || die "run as root (or set DESTDIR=... to stage into a directory)"
    [[ -d /run/systemd/system ]] && live=1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# install_file MODE SRC DEST: atomic replace (a running binary is not disturbed).
install_file() {
    local mode=$1 src=$2 dest=$DESTDIR$3
    if [[ -f $dest ]] && cmp -s "$src" "$dest"; then
        chmod "$mode" "$dest"
        say "unchanged   $3"
        return 0
    fi
    local verb=installed
    [[ -e $dest ]] && verb=updated
    mkdir -p "$(dirname "$dest")"
    local tmp
    tmp=$(mktemp "$(dirname "$dest")/.$(basename "$dest").XXXXXX")
    cp "$src" "$tmp"
    chmod "$mode" "$tmp"
    mv -f "$tmp" "$dest"
    say "$(printf '%-11s' "$verb") $3"
}

remove_path() {
    local dest=$DESTDIR$1
    if [[ -e $dest || -L $dest ]]; then
        rm -rf -- "$dest"
        say "removed     $1"
    fi
}

do_uninstall() {
    if [[ $live -eq 1 ]]; then
        if systemctl is-enabled --quiet "$NAME" 2>/dev/null ||
            systemctl is-active --quiet "$NAME" 2>/dev/null; then
            say "stopping and disabling $NAME.service"
            systemctl disable --now "$NAME" || true
        fi
    fi
    remove_path "$bindir/$NAME"
    remove_path "$SYSTEMDUNITDIR/$NAME.service"
    remove_path "$SYSUSERSDIR/$NAME.conf"
    remove_path "$docdir"
    remove_path "$datadir"
    if [[ $live -eq 1 ]]; then
        systemctl daemon-reload
    fi
    if [[ $purge -eq 1 ]]; then
        remove_path "$confdir"
        remove_path "$STATEDIR"
        say "purged the configuration, secrets and state database"
        say "the system user '$NAME' is left in place (removing users is not safe to automate)"
    else
        say "kept $confdir (configuration, secrets) and $STATEDIR (state database);"
        say "remove them with: $0 --uninstall --purge"
    fi
}

do_install() {
    if [[ ! -x $BIN ]]; then
        command -v cargo >/dev/null || die "$BIN is missing and cargo is not installed"
        say "$BIN is missing: building it (cargo build --release --locked)"
        (cd "$repo" && cargo build --release --locked)
        [[ -x $BIN ]] || die "the build did not produce $BIN (is CARGO_TARGET_DIR set differently?)"
    fi
    "$BIN" --version >/dev/null 2>&1 || die "$BIN does not run on this machine"

    install_file 0755 "$BIN" "$bindir/$NAME"

    # The unit names /usr/local/bin and /etc/sahel-watch; follow PREFIX/SYSCONFDIR.
    local unit=$work/$NAME.service
    sed -e "s|/usr/local/bin/$NAME|$bindir/$NAME|g" \
        -e "s|/usr/local/share/doc/$NAME|$docdir|g" \
        -e "s|/etc/$NAME/|$confdir/|g" \
        "$here/$NAME.service" >"$unit"
    install_file 0644 "$unit" "$SYSTEMDUNITDIR/$NAME.service"
    install_file 0644 "$here/$NAME.sysusers" "$SYSUSERSDIR/$NAME.conf"
    install_file 0644 "$here/README.md" "$docdir/README.md"
    if [[ -d $repo/samples/feeds ]]; then
        for f in "$repo"/samples/feeds/* "$repo"/samples/gold-*.json "$repo"/samples/README.md; do
            [[ -f $f ]] || continue
            install_file 0644 "$f" "$datadir/samples/${f#"$repo"/samples/}"
        done
    fi

    # Configuration directory: root-owned, readable by the service.
    mkdir -p "$DESTDIR$confdir"
    chmod 0755 "$DESTDIR$confdir"
    local conf=$confdir/$NAME.toml
    if [[ -e $DESTDIR$conf ]]; then
        say "kept        $conf (existing configuration is never overwritten)"
        if ! cmp -s "$repo/config/$NAME.toml" "$DESTDIR$conf"; then
            install_file 0644 "$repo/config/$NAME.toml" "$datadir/$NAME.toml.default"
            say "the shipped default is at $datadir/$NAME.toml.default for comparison"
        fi
    else
        install_file 0644 "$repo/config/$NAME.toml" "$conf"
    fi
    # Secrets: read by systemd (as root) before the service drops privileges.
    local secrets=$confdir/secrets.env
    if [[ -e $DESTDIR$secrets ]]; then
        say "kept        $secrets"
        local mode
        mode=$(stat -c %a "$DESTDIR$secrets")
        [[ $mode == 600 || $mode == 400 ]] || say "warning: $secrets has mode $mode; it should be 0600"
    else
        (umask 077 && {
            echo "# Secrets for $NAME, one VAR=value a line (e.g. SAHEL_WATCH_HOOK_SECRET=...)."
            echo "# Name them in sahel-watch.toml with secret_env / password_env. Keep this file 0600."
        } >"$DESTDIR$secrets")
        chmod 0600 "$DESTDIR$secrets"
        say "installed   $secrets (0600)"
    fi

    if [[ -n $DESTDIR ]]; then
        say "staged into $DESTDIR; on the target run: systemd-sysusers && systemctl daemon-reload"
        return 0
    fi
    if command -v systemd-sysusers >/dev/null; then
        systemd-sysusers "$SYSUSERSDIR/$NAME.conf"
        say "system user '$NAME' present"
    else
        die "systemd-sysusers not found: create the user '$NAME' yourself"
    fi
    if [[ $live -eq 1 ]]; then
        systemctl daemon-reload
        "$bindir/$NAME" check-config "$conf" >/dev/null ||
            say "warning: $conf does not validate; see: $NAME check-config $conf"
        if systemctl is-active --quiet "$NAME"; then
            say "$NAME is running: restart it to use the new binary: systemctl restart $NAME"
        else
            say "next: edit $conf, then: systemctl enable --now $NAME"
        fi
    else
        say "systemd is not running here: the unit is installed but not loaded"
    fi
}

if [[ $uninstall -eq 1 ]]; then
    do_uninstall
else
    do_install
fi

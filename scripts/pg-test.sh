#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests, on a free port of 127.0.0.1 (never another
# address), in a temporary directory, from Debian's package (installed if missing, as root).
#   eval "$(scripts/pg-test.sh start)"   # prints the exports the tests read:
#        SAHEL_TEST_PG_URL (postgres://sahel@127.0.0.1:PORT/postgres), SAHEL_TEST_PG_PASSWORD,
#        SAHEL_TEST_PG_DIR, and SAHEL_TEST_PG_CA (the CA of the server's TLS certificate, when
#        openssl is there to make one)
#   scripts/pg-test.sh stop "$SAHEL_TEST_PG_DIR"
# The cluster's superuser is `sahel`, with a password (scram-sha-256 over TCP), so that the tests
# go through the daemon's password settings. As root the server runs as the user `postgres`
# (PostgreSQL refuses to run as root).
set -euo pipefail

bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  command -v initdb >/dev/null && dirname "$(command -v initdb)" && return
  return 1
}

case "${1:-}" in
start)
  if ! bin=$(bindir); then
    if [ "$(id -u)" = 0 ]; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2 \
        || { echo "warning: could not install postgresql" >&2; exit 1; }
      bin=$(bindir) || exit 1
    else
      echo "warning: PostgreSQL missing and not root (sudo apt-get install postgresql)" >&2
      exit 1
    fi
  fi
  dir=$(mktemp -d /tmp/sahel-pg.XXXXXX)
  chmod 0755 "$dir"
  run=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir"
    run=(runuser -u postgres --)
  fi
  password="test-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
  echo "$password" > "$dir/pw"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir/pw"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U sahel --pwfile="$dir/pw" --auth-host=scram-sha-256 \
    --auth-local=trust --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$dir/pw"
  # TLS, with a throw-away CA and a certificate for 127.0.0.1 it signs
  tls=""
  if command -v openssl >/dev/null \
     && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=sahel-watch-test-ca \
          -keyout "$dir/ca.key" -out "$dir/ca.crt" >/dev/null 2>&1 \
     && openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
          -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1 \
     && printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$dir/ext" \
     && openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
          -CAcreateserial -days 2 -extfile "$dir/ext" -out "$dir/server.crt" >/dev/null 2>&1; then
    chmod 0600 "$dir/server.key"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir/server.key" "$dir/server.crt"
    tls="-c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key"
  fi
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c max_connections=300 $tls" start >&2 \
    || { cat "$dir/log" >&2; exit 1; }
  echo "export SAHEL_TEST_PG_URL=postgres://sahel@127.0.0.1:$port/postgres"
  echo "export SAHEL_TEST_PG_PASSWORD=$password"
  echo "export SAHEL_TEST_PG_DIR=$dir"
  echo "export SAHEL_TEST_PG_BIN=$bin"
  [ -n "$tls" ] && echo "export SAHEL_TEST_PG_CA=$dir/ca.crt"
  true
  ;;
stop)
  dir=${2:?usage: pg-test.sh stop DIR}
  [ -d "$dir/data" ] || exit 0
  bin=$(bindir)
  run=()
  [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start | stop DIR" >&2
  exit 2
  ;;
esac

# Throwaway PostgreSQL clusters for scripts/with-postgres and scripts/with-postgres-shards
# (sourced, not run): initdb in a temporary folder, listening on 127.0.0.1 on a free port,
# stopped and removed when the calling script exits, whatever its outcome. PostgreSQL is
# installed with apt-get when missing. initdb refuses to run as root, so as root the clusters
# run as the `postgres` system user.

find_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

bindir=$(find_bindir)
if [ -z "$bindir" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "$(basename "$0"): installing PostgreSQL (apt-get)…" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bindir=$(find_bindir)
  fi
fi
if [ -z "$bindir" ]; then
  echo "$(basename "$0"): PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi

run_as=()
if [ "$(id -u)" = 0 ]; then
  run_as=(runuser -u postgres --)
fi
cluster_dirs=()

stop_clusters() {
  for workdir in "${cluster_dirs[@]}"; do
    "${run_as[@]}" "$bindir/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$workdir"
  done
}
trap stop_clusters EXIT

# start_cluster [-c setting=value …]: a new cluster; its URL (user fanjing, database postgres)
# in $cluster_url
start_cluster() {
  local workdir port
  workdir=$(mktemp -d /tmp/fanjing-pg.XXXXXX)
  cluster_dirs+=("$workdir")
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$workdir"
  fi
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${run_as[@]}" "$bindir/initdb" -D "$workdir/data" -U fanjing --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${run_as[@]}" "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $workdir -c fsync=off $*" start >/dev/null
  cluster_url="postgresql+psycopg://fanjing@127.0.0.1:$port/postgres"
}

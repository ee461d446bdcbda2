#!/usr/bin/env bash
# Builds a PostgreSQL image without any image registry: the server binaries from Debian's
# postgresql-15 package, the shared libraries they load, a shell, and an entrypoint that honours
# POSTGRES_USER, POSTGRES_PASSWORD / POSTGRES_PASSWORD_FILE and POSTGRES_DB like the official
# image. The root filesystem is assembled in a temp folder and `docker import`ed.
# Usage: tests/docker/postgres-image.sh [TAG]   (default tenantdesk-test/postgres:15)
set -euo pipefail
tag=${1:-tenantdesk-test/postgres:15}
# Built before it had what Tenantdesk now uses (PG_MAJOR, checked by recreate; pg_dump and
# pg_restore, run by snapshots): built again. The revision says which.
revision=2
if docker image inspect -f '{{.Config.Env}}' "$tag" 2>/dev/null | grep -q "TENANTDESK_TEST_IMAGE=$revision"; then
  echo "$tag is already built"
  exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
chmod 777 "$work"  # apt's download user must be able to write here
apt-get download -qq postgresql-15 postgresql-client-15 libpq5
for deb in *.deb; do dpkg-deb -x "$deb" pkg; done

root=$work/rootfs
pgbin=/usr/lib/postgresql/15/bin
mkdir -p "$root$pgbin" "$root/usr/share/postgresql" "$root/usr/lib/postgresql/15" \
  "$root/usr/local/bin" "$root/bin" "$root/etc" "$root/tmp" "$root/var/run/postgresql" \
  "$root/var/lib/postgresql/data" "$root/usr/share"
for b in postgres initdb pg_ctl pg_isready psql pg_dump pg_restore; do cp "pkg$pgbin/$b" "$root$pgbin/"; done
cp -a pkg/usr/share/postgresql/15 "$root/usr/share/postgresql/"
cp -a pkg/usr/lib/postgresql/15/lib "$root/usr/lib/postgresql/15/"
cp -aL /usr/share/zoneinfo "$root/usr/share/"
tools=(/bin/sh /bin/dash /bin/cat /bin/mkdir /bin/rm /bin/chown /bin/chmod /bin/ls /bin/sleep /usr/bin/id /usr/bin/setpriv)
for t in "${tools[@]}"; do cp -L "$t" "$root/bin/$(basename "$t")"; done

# Every binary and loadable module, with the libraries it needs (the package's own libpq first).
export LD_LIBRARY_PATH=$work/pkg/usr/lib/x86_64-linux-gnu
for f in "$root$pgbin"/* "$root"/usr/lib/postgresql/15/lib/*.so "$root"/bin/*; do
  ldd "$f" 2>/dev/null | awk '/=> \// { print $3 } /^\s*\/lib/ { print $1 }' || true
done | sort -u | while read -r lib; do
  [ -e "$lib" ] || { echo "missing library $lib" >&2; exit 1; }
  dest=${lib#"$work/pkg"}
  mkdir -p "$root$(dirname "$dest")"
  cp -L "$lib" "$root$dest"
done
# ld.so itself, at the path the binaries name.
mkdir -p "$root/lib64" && cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"

printf 'root:x:0:0:root:/root:/bin/sh\npostgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\npostgres:x:999:\n' > "$root/etc/group"
install -m 0755 "$here/entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
chmod 1777 "$root/tmp"
chown -R 999:999 "$root/var/lib/postgresql" "$root/var/run/postgresql"

tar -C "$root" -c . | docker import \
  --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
  --change 'CMD ["postgres"]' \
  --change 'ENV PATH=/usr/lib/postgresql/15/bin:/bin PGDATA=/var/lib/postgresql/data PG_MAJOR=15 TZ=UTC TENANTDESK_TEST_IMAGE='"$revision" \
  --change 'EXPOSE 5432' \
  - "$tag" >/dev/null
echo "built $tag"

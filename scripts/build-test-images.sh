#!/usr/bin/env bash
# Build the local test images FROM scratch with the static busybox (no registry needed):
#   kctl-test/web:v1, kctl-test/web:v2  httpd on :8080 answering "v1 <hostname>" / "v2 <hostname>"
#                                       (exits at once on SIGTERM)
#   kctl-test/busybox:v1                busybox sh/sleep/nc/wget for general-purpose pods
#   kctl-test/crash:v1                  prints a line and exits 1 after ~0.2 s
#   kctl-test/stubborn:v1               ignores SIGTERM (tests the grace period / SIGKILL path)
#   kctl-test/pets-db:v1                the pets app's database: httpd on :5432, GET /cgi-bin/rows?ROW
#                                       appends ROW to $PGDATA/rows (a volume) and lists all rows
#   kctl-test/pets-web:v1               the pets app's web tier: httpd on :8080, /cgi-bin/pets?add=NAME
#                                       stores NAME through http://$DB_HOST:5432 and lists the pets
# Idempotent: an image that exists is rebuilt only with --force.
set -euo pipefail
DOCKER=/usr/bin/docker
FORCE=${1:-}
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] || { echo "build-test-images: busybox not found (install busybox-static)" >&2; exit 1; }
file -L "$BUSYBOX" 2>/dev/null | grep -q "statically linked" || [ ! -x /usr/bin/file ] || {
  echo "build-test-images: $BUSYBOX is not static (install busybox-static)" >&2; exit 1; }

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp "$BUSYBOX" "$ctx/busybox"

build() { # tag dockerfile-tail
  local tag=$1 body=$2
  if [ "$FORCE" != "--force" ] && "$DOCKER" image inspect "$tag" >/dev/null 2>&1; then return 0; fi
  printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\n%s\n' "$body" > "$ctx/Dockerfile"
  "$DOCKER" build -q -t "$tag" "$ctx" >/dev/null
  echo "built $tag" >&2
}

web() { # version
  printf 'RUN ["/bin/sh","-c","mkdir -p /www /tmp && echo ok > /www/healthz"]\nEXPOSE 8080\nCMD ["/bin/sh","-c","echo \\"%s $(hostname)\\" > /www/index.html; trap \\"exit 0\\" TERM INT; httpd -f -p 8080 -h /www & wait"]\n' "$1"
}

build kctl-test/web:v1 "$(web v1)"
build kctl-test/web:v2 "$(web v2)"
build kctl-test/busybox:v1 'RUN ["/bin/sh","-c","mkdir -p /tmp"]
CMD ["/bin/sh","-c","trap \"exit 0\" TERM INT; while true; do sleep 1; done"]'
build kctl-test/crash:v1 'CMD ["/bin/sh","-c","echo crashing; sleep 0.2; exit 1"]'
mkdir -p "$ctx/pets"
cat > "$ctx/pets/rows" <<'CGI'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
mkdir -p "${PGDATA:-/var/lib/pets}"
[ -n "$QUERY_STRING" ] && echo "$QUERY_STRING" >> "${PGDATA:-/var/lib/pets}/rows"
cat "${PGDATA:-/var/lib/pets}/rows" 2>/dev/null
exit 0
CGI
cat > "$ctx/pets/pets" <<'CGI'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
row=""
case "$QUERY_STRING" in add=*) row="pet=${QUERY_STRING#add=}" ;; esac
echo "Pets (served by $(hostname)):"
timeout 5 wget -q -O - "http://${DB_HOST:-db}:5432/cgi-bin/rows?$row" || echo "database unreachable"
CGI
chmod +x "$ctx/pets/rows" "$ctx/pets/pets"
build kctl-test/pets-db:v1 'COPY pets/rows /www/cgi-bin/rows
RUN ["/bin/sh","-c","mkdir -p /tmp /var/lib/pets && echo ok > /www/healthz"]
ENV PGDATA=/var/lib/pets
EXPOSE 5432
CMD ["/bin/sh","-c","trap \"exit 0\" TERM INT; httpd -f -p 5432 -h /www & wait"]'
build kctl-test/pets-web:v1 'COPY pets/pets /www/cgi-bin/pets
RUN ["/bin/sh","-c","mkdir -p /tmp && echo ok > /www/healthz"]
EXPOSE 8080
CMD ["/bin/sh","-c","trap \"exit 0\" TERM INT; httpd -f -p 8080 -h /www & wait"]'
build kctl-test/stubborn:v1 'CMD ["/bin/sh","-c","trap \"\" TERM; while true; do sleep 1; done"]'
echo "build-test-images: ready" >&2

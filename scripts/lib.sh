# Sourced by the other scripts: locates the repo, a JDK >= 21 and the Python virtualenv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STACK_DIR="$ROOT/.stack"

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }

# JAVA_HOME if it is new enough, else the newest JDK >= 21 under /usr/lib/jvm.
pick_java() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/javac" && "$(java_major "$JAVA_HOME")" -ge 21 ]]; then
    export JAVA_HOME; return
  fi
  local best="" best_v=0 d v
  for d in /usr/lib/jvm/*; do
    [[ -x "$d/bin/javac" ]] || continue
    v="$(java_major "$d")"; v="${v%%.*}"
    if [[ "$v" =~ ^[0-9]+$ && "$v" -ge 21 && "$v" -gt "$best_v" ]]; then best="$d"; best_v="$v"; fi
  done
  [[ -n "$best" ]] || die "no JDK 21 or newer found; install one (e.g. apt-get install openjdk-21-jdk) or set JAVA_HOME"
  export JAVA_HOME="$best"
}

# JVM flags of a ddb2sf job run from this checkout; the image's jvmFlags (jib, jobs/pom.xml) are the same. A job
# is a short batch process: C2's compilations cost more CPU than the faster code earns back before the job ends, so
# C1 only (TieredStopAtLevel=1), and the serial collector (no concurrent GC threads). Figures in bench/README.md
# ("CPU against a bare baseline, and the fixed cost"): a third to a half less CPU for a 72k-change export, 46 %
# less for an empty hour.
DDB2SF_JVM_FLAGS=(--add-opens=java.base/java.nio=ALL-UNNAMED -XX:TieredStopAtLevel=1 -XX:+UseSerialGC)

# Runs a ddb2sf job from the built jar with those flags: ddb2sf_java export-increment --table t ...
# On JDK 25 or newer it adds an ahead-of-time cache (JEP 483 and 515: the jar's classes loaded, linked and profiled
# by a training run; JEP 514's -XX:AOTCacheOutput makes it at the run's exit): the first run after each build makes
# jobs/target/ddb2sf.aot (one at a time, under a lock; about 10 CPU-s once), every later run starts from it, which
# halves an empty hour's CPU again. The JVM's own warnings go to stderr, so stdout stays the job's JSON summary
# (a cache that no longer matches the jar is refused with a warning, on stdout by default). The image cannot make
# its cache at a pod's first run (pods start without files of earlier runs): docker/aot.Dockerfile bakes one in,
# trained by the hidden warmup command.
ddb2sf_java() {
  local jar="$ROOT/jobs/target/ddb2sf.jar" cache="$ROOT/jobs/target/ddb2sf.aot" major rc=0 lock
  major="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$JAVA_HOME/release" 2>/dev/null)"
  if [[ "${major:-0}" -lt 25 ]]; then
    "$JAVA_HOME/bin/java" "${DDB2SF_JVM_FLAGS[@]}" -jar "$jar" "$@"; return
  fi
  local flags=("${DDB2SF_JVM_FLAGS[@]}" -Xlog:disable -Xlog:all=warning:stderr)
  if [[ -f "$cache" && "$cache" -nt "$jar" ]]; then
    "$JAVA_HOME/bin/java" "${flags[@]}" -XX:AOTCache="$cache" -jar "$jar" "$@"; return
  fi
  if [[ "${1:-}" == -* ]]; then  # --help, --version: too little of the jar to train on
    "$JAVA_HOME/bin/java" "${flags[@]}" -jar "$jar" "$@"; return
  fi
  exec {lock}>"$cache.lock"
  if ! flock -n "$lock"; then  # another run is making the cache: this one runs without
    exec {lock}>&-
    "$JAVA_HOME/bin/java" "${flags[@]}" -jar "$jar" "$@"; return
  fi
  # The JVM reports the cache's making on stdout, whatever -Xlog says: those lines go to stderr.
  local made="$cache.$BASHPID"
  "$JAVA_HOME/bin/java" "${flags[@]}" -XX:AOTCacheOutput="$made" -jar "$jar" "$@" \
    | awk '/^(Temporary AOTConfiguration recorded|Launching child process .* to assemble AOT cache|Reading AOTConfiguration .* and writing AOTCache|AOTCache creation is complete|Removed temporary AOT configuration)/ { print > "/dev/stderr"; next } { print; fflush() }' \
    || rc=$?
  # A failed run trained on too little of the jar: the next run trains again.
  if [[ $rc == 0 && -f "$made" ]]; then mv -f "$made" "$cache"; fi
  rm -f "$made" "$made.config"
  exec {lock}>&-
  return "$rc"
}

# A virtualenv built from a pinned requirements file, rebuilt when that file changes.
ensure_pyenv() {
  local dir="$1" req="$2" what="$3"
  local stamp="$dir/.requirements.sha" want
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return; fi
  log "creating $what in ${dir#"$ROOT"/} (first run only)"
  python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  echo "$want" > "$stamp"
}

# The local stack's Python parts (moto, fakesnow).
ensure_venv() { ensure_pyenv "$VENV" "$ROOT/scripts/requirements.txt" "the local stack's Python virtualenv"; }

# Airflow for the DAG and its tests, kept apart from .venv: Airflow pins its own versions of many packages the
# local stack also uses.
ensure_airflow_venv() {
  ensure_pyenv "$ROOT/.venv-airflow" "$ROOT/scripts/requirements-airflow.txt" "the Airflow virtualenv (about 2 minutes)"
}

# `docker compose`, to check docker/compose.yaml: the Docker CLI plugin when it is installed, else the same program
# built once from its source (through the Go module proxy) into .tools/. Sets COMPOSE.
COMPOSE_VERSION=v2.40.3
ensure_compose() {
  if docker compose version >/dev/null 2>&1; then COMPOSE="docker compose"; return; fi
  local bin="$ROOT/.tools/docker-compose-$COMPOSE_VERSION"
  if [[ ! -x "$bin" ]]; then
    command -v go >/dev/null || die "checking docker/compose.yaml needs docker compose: install the Docker Compose plugin, or Go to build it"
    log "building docker compose $COMPOSE_VERSION into .tools (first run only, about 3 minutes)"
    local src tmp
    src="$(cd /tmp && go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
    tmp="$(mktemp -d)"
    cp -r "$src/." "$tmp" && chmod -R u+w "$tmp"
    (cd "$tmp" && go build -trimpath -o "$bin" ./cmd)
    rm -rf "$tmp"
  fi
  COMPOSE="$bin"
}

mvnw() { (cd "$ROOT" && ./mvnw -B -ntp "$@"); }

# Builds the CLI jar and the local-stack launchers when sources are newer than the jar.
ensure_build() {
  local jar="$ROOT/jobs/target/ddb2sf.jar"
  if [[ -f "$jar" && -f "$ROOT/localstack/target/classpath.txt" ]] \
     && [[ -z "$(find "$ROOT/jobs/src/main" "$ROOT/localstack/src" "$ROOT/sql" "$ROOT/pom.xml" "$ROOT/jobs/pom.xml" -newer "$jar" -print -quit)" ]]; then
    return
  fi
  log "building ddb2sf (first run downloads Maven dependencies)"
  mvnw -q -Dmaven.test.skip=true package
}

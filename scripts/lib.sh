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

# JVM flags of a ddb2sf job run from this checkout; the image's entrypoint (jobs/src/main/jib/app/ddb2sf) runs the
# same. A job is a short batch process: C2's compilations cost more CPU than the faster code earns back before the
# job ends, so C1 only (TieredStopAtLevel=1), and the serial collector (no concurrent GC threads). Figures in
# bench/README.md ("CPU against a bare baseline, and the fixed cost"): a third to a half less CPU for a 72k-change
# export, 46 % less for an empty hour.
DDB2SF_JVM_FLAGS=(--add-opens=java.base/java.nio=ALL-UNNAMED -XX:TieredStopAtLevel=1 -XX:+UseSerialGC)
# Added after -XX:AOTCache, as the image's entrypoint does: no replay of the training's compilations (why, in
# jobs/src/main/jib/app/ddb2sf).
DDB2SF_CACHE_FLAGS=(-XX:+UnlockDiagnosticVMOptions -XX:-AOTReplayTraining)

# The side of the pipeline a subcommand is on, whose start-up cache it starts from: the same choice as the image's
# entrypoint (jobs/src/main/jib/app/ddb2sf; docker/tests checks they agree).
ddb2sf_side() {
  case "${1:-}" in
    copy-load|merge-apply|migrate|prune) echo warehouse ;;
    *) echo stream ;;
  esac
}

# The JIT's thresholds for a subcommand's side, as the image's entrypoint sets them (why, there): ten times the
# default for the warehouse jobs, the default for the others.
ddb2sf_jit() {
  if [[ "$(ddb2sf_side "${1:-}")" == warehouse ]]; then echo -XX:CompileThresholdScaling=10; else echo -XX:CompileThresholdScaling=1; fi
}

# Runs a ddb2sf job from the built jar with those flags: ddb2sf_java export-increment --table t ...
# On JDK 25 or newer it adds an ahead-of-time cache (JEP 483 and 515: the jar's classes loaded, linked and profiled
# by a training run; JEP 514's -XX:AOTCacheOutput makes it at the run's exit), one per side of the pipeline as in the
# image (a cache's classes are all loaded at start, so the warehouse jobs do not pay for the export's classes, nor
# the stream jobs for the Snowflake driver's): the first run of a side after each build makes
# jobs/target/ddb2sf-<side>.aot by running the hidden `warmup --side <side>` once (one at a time, under a lock; a
# few CPU-s, not part of the job's run), as docker/aot.Dockerfile does for the image; every later run starts from
# it, which halves an empty hour's CPU again. The JVM's own warnings go to stderr, so stdout stays the job's JSON
# summary (a cache that no longer matches the jar is refused with a warning, on stdout by default). A failed training
# leaves no cache and a marker: that side's jobs run without a cache until the next build (rather than paying a
# failing training on every run).
ddb2sf_java() {
  local side jit; side="$(ddb2sf_side "${1:-}")"; jit="$(ddb2sf_jit "${1:-}")"
  local jar="$ROOT/jobs/target/ddb2sf.jar" cache="$ROOT/jobs/target/ddb2sf-$side.aot" major lock
  major="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$JAVA_HOME/release" 2>/dev/null)"
  if [[ "${major:-0}" -lt 25 ]]; then
    "$JAVA_HOME/bin/java" "${DDB2SF_JVM_FLAGS[@]}" "$jit" -jar "$jar" "$@"; return
  fi
  local flags=("${DDB2SF_JVM_FLAGS[@]}" -Xlog:disable -Xlog:all=warning:stderr)
  if [[ ! ( -f "$cache" && "$cache" -nt "$jar" ) && ! "$cache.failed" -nt "$jar" && "${1:-}" != -* ]]; then  # --help, --version: not worth a training
    exec {lock}>"$cache.lock"
    if flock -n "$lock"; then  # else another run is making the cache: this one runs without
      if [[ ! ( -f "$cache" && "$cache" -nt "$jar" ) ]]; then
        # The jobs' own flags and heap, unlike docker/aot.Dockerfile's -Xmx1g: the cache keeps the run's
        # compressed-oops mode, which every local job must then share. The JVM reports the cache's making on stdout,
        # whatever -Xlog says: the training's output goes to a log. warmup needs no network; 5 minutes is a hang.
        local made="$cache.$BASHPID" limit=()
        command -v timeout >/dev/null && limit=(timeout 300)
        if ${limit[@]+"${limit[@]}"} "$JAVA_HOME/bin/java" "${flags[@]}" -XX:AOTCacheOutput="$made" -jar "$jar" warmup --side "$side" > "$cache.log" 2>&1 \
            && [[ -f "$made" ]]; then
          mv -f "$made" "$cache"
        else
          touch "$cache.failed"
          echo "ddb2sf: training the start-up cache failed (see ${cache#"$ROOT"/}.log); jobs run without it until the next build" >&2
        fi
        rm -f "$made" "$made.config"
      fi
    fi
    exec {lock}>&-
  fi
  if [[ -f "$cache" && "$cache" -nt "$jar" ]]; then
    "$JAVA_HOME/bin/java" "${flags[@]}" -XX:AOTCache="$cache" "${DDB2SF_CACHE_FLAGS[@]}" "$jit" -jar "$jar" "$@"
  else
    "$JAVA_HOME/bin/java" "${flags[@]}" "$jit" -jar "$jar" "$@"
  fi
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

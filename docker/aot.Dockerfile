# The shipped ddb2sf image: the image Jib builds (jobs/pom.xml) plus AOT caches of its start-up, made by the image's
# own JVM, which is the only JVM that may use it (an AOT cache is specific to the JDK build, the OS and CPU
# architecture and the class path: java(1), JDK 25, "Ahead-of-Time Cache"). Jib cannot run the image while it builds
# it, hence this second step:
#
#   ./mvnw -pl jobs -am -DskipTests package jib:dockerBuild -Dimage.revision=$rev     (or: scripts/image <registry>/ddb2sf:<tag>)
#   docker build -f docker/aot.Dockerfile --build-arg IMAGE=ddb2sf:0.1.0-SNAPSHOT -t <registry>/ddb2sf:<tag> docker
#
# The training runs are the hidden `warmup` command, once per side of the pipeline: `--side stream` runs
# export-increment and stage-validate of an hour, `--side warehouse` copy-load through its COPY and merge-apply through
# its transaction of an hour it stages itself, against loopback stand-ins of DynamoDB, S3 and Snowflake (the real SDK
# clients, Parquet writer and Snowflake driver with key-pair auth); they need no network, no services, no config.
# -XX:AOTCacheOutput (JEP 514, https://openjdk.org/jeps/514) records a run, then assembles its cache in a child JVM:
# the classes loaded and linked (JEP 483, https://openjdk.org/jeps/483) and the method profiles (JEP 515,
# https://openjdk.org/jeps/515). A cache's classes are all loaded when a JVM starts with it, so each side has its
# own, and the entrypoint (jobs/src/main/jib/app/ddb2sf) picks it by the subcommand. bench/README.md, "Start-up cache
# in the image" and "One start-up cache per side", has the figures.
#
# The flags are the entrypoint's (docker/tests/test_image.py checks they agree), except:
# - -XX:AOTCacheOutput instead of -XX:AOTCache: the two exclude each other;
# - not the two flags after -XX:AOTCache, which turn off the replay of the training's compilations in a run from a
#   cache;
# - -Xmx1g: a cache holds the compressed-oops mode of the run that made it and is refused by a JVM in the other mode;
#   75 % of a build machine's memory can pass 32 GB, where compressed oops end, and pods run well under it.
# A cache the JVM cannot use (other JDK build, other flags, missing file) is ignored with a warning on stderr, and
# the job runs as without it (AOT mode auto, the default); a training run that fails fails the build.
ARG IMAGE=ddb2sf:0.1.0-SNAPSHOT

FROM ${IMAGE} AS training
RUN ["java", "--add-opens=java.base/java.nio=ALL-UNNAMED", "-XX:MaxRAMPercentage=75", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xlog:disable", "-Xlog:all=warning:stderr", "-Xmx1g", "-XX:AOTCacheOutput=/tmp/stream.aot", "-cp", "@/app/jib-classpath-file", "io.ddb2sf.cli.Main", "warmup", "--side", "stream"]
RUN ["java", "--add-opens=java.base/java.nio=ALL-UNNAMED", "-XX:MaxRAMPercentage=75", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xlog:disable", "-Xlog:all=warning:stderr", "-Xmx1g", "-XX:AOTCacheOutput=/tmp/warehouse.aot", "-cp", "@/app/jib-classpath-file", "io.ddb2sf.cli.Main", "warmup", "--side", "warehouse"]

# The same layers, so the jars keep the sizes and times the caches recorded, plus the caches where the entrypoint looks.
FROM ${IMAGE}
COPY --from=training /tmp/stream.aot /tmp/warehouse.aot /app/aot/

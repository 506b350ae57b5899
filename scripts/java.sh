# Sourced by the launchers: finds a JDK >= 25 without JAVA_HOME having to point at it.
# Order: $ISTHMUS_JAVA_HOME, $JAVA_HOME, the java on PATH, then the usual install folders.
# Sets ISTHMUS_JAVA to its java binary, or prints one line saying what to install and exits 1.

isthmus_java_major() {
    # "25", "25.0.1", "1.8.0_292" -> major version; empty when the binary does not run.
    "$1" -XshowSettings:properties -version 2>&1 \
        | sed -n 's/^ *java\.specification\.version = //p' | head -n 1 | sed 's/^1\.//; s/\..*//'
}

isthmus_find_java() {
    local candidates=() home java major
    [ -n "${ISTHMUS_JAVA_HOME:-}" ] && candidates+=("$ISTHMUS_JAVA_HOME/bin/java")
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
    command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
    for home in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
                "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
        [ -x "$home/bin/java" ] && candidates+=("$home/bin/java")
    done
    for java in "${candidates[@]}"; do
        major=$(isthmus_java_major "$java")
        if [ -n "$major" ] && [ "$major" -ge 25 ] 2>/dev/null; then
            ISTHMUS_JAVA="$java"
            return 0
        fi
    done
    echo "isthmus: no JDK 25 or newer found (looked at ISTHMUS_JAVA_HOME, JAVA_HOME, PATH and /usr/lib/jvm); install one, e.g. 'apt-get install temurin-25-jdk' or from https://adoptium.net, or set ISTHMUS_JAVA_HOME" >&2
    return 1
}

# Rebuilds the given modules (and what they need) when a source or POM is newer than the jar.
isthmus_build_if_stale() {
    local root=$1 jar=$2 modules=$3
    if [ ! -f "$jar" ] || [ -n "$(find "$root/pom.xml" "$root"/*/pom.xml "$root"/*/src/main -newer "$jar" -print -quit 2>/dev/null)" ]; then
        echo "isthmus: building $modules (first run or changed sources)..." >&2
        (cd "$root" && ./mvnw -q -B -DskipTests -pl "$modules" -am package) >&2 || {
            echo "isthmus: the build failed; run './mvnw -pl $modules -am package' to see why" >&2
            exit 1
        }
    fi
}

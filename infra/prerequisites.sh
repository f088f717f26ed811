#!/usr/bin/env bash
# Installs the system tools rmwatch's stack and tests use, when missing: a JDK and Maven fetch and run
# Kafka and Elasticsearch; kcat and curl are the real clients the tests talk through; unzip unpacks
# the Elasticsearch distribution; util-linux brings logger and runuser.
set -euo pipefail

declare -A package_of=([kcat]=kcat [curl]=curl [unzip]=unzip [java]=default-jre-headless [mvn]=maven [runuser]=util-linux [logger]=bsdutils)
missing=()
for tool in "${!package_of[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${package_of[$tool]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "rmwatch: installing missing system packages: ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
  echo "rmwatch: please install: ${missing[*]} (apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

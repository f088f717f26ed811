#!/usr/bin/env bash
# Installs the system tools rmwatch's stack, tests and benchmarks use, when missing: a JDK and Maven fetch
# and run Kafka and Elasticsearch; unzip unpacks Elasticsearch; kcat, curl, logger (bsdutils) and rsyslog
# (with its TLS and Kafka modules) are the real clients the tests and benchmarks talk through; openssl
# makes the tests' certificates; chromium prints the monthly report to PDF (with fonts-noto-cjk for the
# Japanese), and poppler-utils' pdftotext reads the PDF back in the tests.
set -euo pipefail

missing=()
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
for package in kcat curl unzip util-linux bsdutils openssl rsyslog rsyslog-gnutls rsyslog-kafka \
  chromium fonts-noto-cjk poppler-utils; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
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

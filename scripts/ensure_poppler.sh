#!/usr/bin/env bash
# The summary page's print test reads Chromium's PDF with Debian's pdftotext (poppler-utils).
set -euo pipefail
if command -v pdftotext >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "error: pdftotext is needed for the summary print test: apt-get install poppler-utils" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "==> installing Debian's poppler-utils (pdftotext) for the summary print test"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq poppler-utils >/dev/null

#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages meijia needs when run as root; otherwise prints
# the one command to run and fails. Kept here so `make run` and `make test` agree.
#   pango + harfbuzz-subset: WeasyPrint's PDF rendering and font subsetting
#   fonts-noto-cjk:          the CJK font PDFs embed (nothing is fetched at run time), rare characters included
#   fonts-wqy-microhei:      the lighter CJK font of long PDF tables (roster, ledgers), Noto behind it
#   python3-venv:            `python3 -m venv` of the distribution's Python (its ensurepip)
#   gettext:                 compiles the zh_Hans translations (msgfmt)
#   chromium:                the browser tests drive Debian's Chromium through Playwright
#   poppler-utils:           pdftoppm/pdftotext: the export tests save a PNG of each PDF's first page
set -euo pipefail
packages=(python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-wqy-microhei gettext chromium poppler-utils ${EXTRA_SYSTEM_PACKAGES:-})
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "缺少系统软件包 / missing system packages. Run once, then repeat the make command:" >&2
  echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

#!/usr/bin/env bash
# Makes YouthVoiceSans-Regular.ttf and YouthVoiceSans-Bold.ttf, the PDF
# report's fonts, from Noto Sans and Noto Sans Arabic (SIL Open Font
# License 1.1, OFL.txt) as Debian 12 ships them in fonts-noto-core
# 20201225-1 (upstream: the Noto project, noto-fonts). It needs fonttools
# (Debian: python3-fonttools) and the package (apt-get download
# fonts-noto-core). Run from anywhere:
#   bash export/fonts/make.sh /path/to/fonts-noto-core_20201225-1_all.deb
# fpdf draws one font per piece of text and does no shaping, so the two
# families are merged into one font: Latin, Greek and Cyrillic from Noto
# Sans, Arabic with its presentation forms (which the report's shaping
# maps letters to, export/pdf_arabic.go) from Noto Sans Arabic. Layout
# tables (GSUB, GPOS) and hinting are dropped: fpdf uses neither.
set -euo pipefail
deb=${1:?usage: make.sh fonts-noto-core_20201225-1_all.deb}
out=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp/x"
src=$tmp/x/usr/share/fonts/truetype/noto
latin='U+0020-007E,U+00A0-036F,U+0370-03FF,U+0400-052F,U+1E00-1EFF,U+2000-206F,U+20A0-20CF,U+2100-215F,U+2190-2199,U+2212,U+2215,U+2219,U+221E,U+2248,U+2260,U+2264,U+2265,U+25A0-25CF,U+FEFF,U+FFFD'
arabic='U+0600-06FF,U+0750-077F,U+08A0-08FF,U+FB50-FDFF,U+FE70-FEFE'
common=(--layout-features= --no-hinting --drop-tables+=GSUB,GPOS,GDEF,DSIG --name-IDs='*' --notdef-outline)
for style in Regular Bold; do
  python3 -m fontTools.subset "$src/NotoSans-$style.ttf" --unicodes="$latin" "${common[@]}" --output-file="$tmp/latin.ttf"
  python3 -m fontTools.subset "$src/NotoSansArabic-$style.ttf" --unicodes="$arabic" "${common[@]}" --output-file="$tmp/arabic.ttf"
  (cd "$tmp" && python3 -m fontTools.merge latin.ttf arabic.ttf --output-file="merged.ttf")
  python3 - "$tmp/merged.ttf" "$out/YouthVoiceSans-$style.ttf" "$style" <<'PY'
import sys
from fontTools.ttLib import TTFont
src, dst, style = sys.argv[1:]
f = TTFont(src)
# A Modified Version under the OFL: named apart from the originals.
names = {1: "YouthVoice Sans", 2: style, 3: "YouthVoice Sans " + style + " (Noto Sans + Noto Sans Arabic)",
         4: "YouthVoice Sans " + style, 6: "YouthVoiceSans-" + style}
for rec in list(f["name"].names):
    if rec.nameID in names:
        f["name"].setName(names[rec.nameID], rec.nameID, rec.platformID, rec.platEncID, rec.langID)
    elif rec.nameID in (16, 17, 21, 22):
        f["name"].removeNames(nameID=rec.nameID)
f.save(dst)
PY
done
ls -l "$out"/*.ttf

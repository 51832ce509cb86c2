#!/usr/bin/env bash
# An out-of-implementation check of the pixel detector: fakes made with Pillow (bicubic upsampling from 75 px, 5x5
# median denoising, a mirrored left half: other implementations of the traces the model was trained on), 10 of them,
# against 20 real Kermany test images, scored by `radseal eval`. Needs Debian's python3-pil.
# Usage: bench/detector-check.sh [KERMANY_DIR] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
kermany=${1:-/work/shared/data/cxr-kermany-224}
out=${2:-$(mktemp -d)}
mkdir -p "$out/cases"
/usr/bin/python3 - "$kermany" "$out" <<'PY'
import glob, shutil, sys
from PIL import Image, ImageFilter, ImageOps
kermany, out = sys.argv[1], sys.argv[2]
lines = ["Image_Name,Real_or_AI,Reasoning"]
reals = sorted(glob.glob(f"{kermany}/test/NORMAL/*.jpeg"))[100:110] + sorted(glob.glob(f"{kermany}/test/PNEUMONIA/*.jpeg"))[100:110]
for i, path in enumerate(reals):
    shutil.copy(path, f"{out}/cases/real-{i}.jpeg")
    lines.append(f"real-{i}.jpeg,Real,Kermany test")
for i, path in enumerate(sorted(glob.glob(f"{kermany}/test/NORMAL/*.jpeg"))[120:130]):
    im = Image.open(path).convert("L")
    if i % 3 == 0:
        fake, why = im.resize((75, 75), Image.BOX).resize((224, 224), Image.BICUBIC), "bicubic upsampled from 75 px"
    elif i % 3 == 1:
        fake, why = im.filter(ImageFilter.MedianFilter(5)), "median 5x5 denoised"
    else:
        fake = im.copy()
        fake.paste(ImageOps.mirror(im.crop((0, 0, 112, 224))), (112, 0))
        why = "left half mirrored"
    fake.save(f"{out}/cases/pil-fake-{i}.jpeg", quality=92)
    lines.append(f"pil-fake-{i}.jpeg,AI,{why}")
open(f"{out}/labels.csv", "w").write("\n".join(lines) + "\n")
PY
dotnet src/RadSeal.Cli/bin/Release/net10.0/radseal.dll eval --cases "$out/cases" --labels "$out/labels.csv" --html "$out/report"

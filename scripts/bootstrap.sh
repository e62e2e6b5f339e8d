#!/usr/bin/env bash
# Creates .venv (once) and installs cwdb into it, editable, with its test tools.
#
# The install is editable_mode=compat: a plain path in a .pth file, which
# mypy and editors read (the default mode's import hook hides cwdb from
# them). A warm run, when nothing the install depends on changed since the
# last one, does nothing and prints nothing; so does a successful install
# (pip's and setuptools' banners are shown only when it fails).
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
stamp=.venv/.cwdb-bootstrap
wanted="$(cat setup.cfg pyproject.toml scripts/bootstrap.sh | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] \
    && compgen -G ".venv/lib/python*/site-packages/__editable__.cwdb-*.pth" >/dev/null; then
    exit 0
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
if ! { "${pip[@]}" --upgrade pip \
    && "${pip[@]}" --config-settings editable_mode=compat -e '.[test]'; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "scripts/bootstrap.sh: installing cwdb into .venv failed (pip's output above)" >&2
    exit 1
fi
echo "$wanted" >"$stamp"

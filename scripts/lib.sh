# Shared by scripts/demo, scripts/test and tests/wheel/run (which sets $repo first):
# checks the build tools and sets up the Python environment of the tests. Sourced, not run.

repo=${repo:-$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)}
cd "$repo"

need_build_tools() {
    missing=""
    command -v cargo >/dev/null 2>&1 || missing="$missing cargo(rustup.rs)"
    command -v cmake >/dev/null 2>&1 || missing="$missing cmake"
    command -v c++ >/dev/null 2>&1 || missing="$missing g++"
    if [ -n "$missing" ]; then
        echo "error: missing build tools:$missing" >&2
        echo "  on Debian/Ubuntu: sudo apt-get install -y cmake g++   (liblsl is built from source)" >&2
        exit 1
    fi
}

# A virtual environment: `setup_venv [DIR [REQUIREMENTS]]` creates DIR (default: the
# tests' $PLAYER_VENV or .venv) if needed, installs REQUIREMENTS into it (default:
# tests/requirements.txt, the independent test clients: pylsl, MNE, pyedflib, ...) when
# that file changed since the last install, and sets $PYTHON.
setup_venv() {
    venv="${1:-${PLAYER_VENV:-$repo/.venv}}"
    requirements="${2:-tests/requirements.txt}"
    if [ ! -x "$venv/bin/python" ]; then
        echo "==> creating $venv" >&2
        python3 -m venv "$venv"
    fi
    stamp="$venv/.requirements.sha"
    want=$(sha256sum "$requirements" | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "==> installing $requirements into $venv" >&2
        "$venv/bin/pip" install --quiet --upgrade pip
        "$venv/bin/pip" install --quiet -r "$requirements"
        echo "$want" > "$stamp"
    fi
    PYTHON="$venv/bin/python"
}

# A directory for the plugin libraries the tests load, that passes the plugin trust rule
# (docs/reliability.md: owned by root or us, no directory from it up to / writable by
# group or others). The checkout's target/ when it does; else (a checkout under /tmp, say)
# a private directory under $HOME. Prints its path; exits 1 when none is found.
trusted_test_dir() {
    for d in "$repo/target/trusted" "${HOME:-/nonexistent}/.cache/player-tests"; do
        mkdir -p "$d" 2>/dev/null && chmod 700 "$d" 2>/dev/null || continue
        ok=1
        p=$d
        while :; do
            owner=$(stat -c %u "$p")
            if [ -n "$(find "$p" -maxdepth 0 -perm /022 2>/dev/null)" ] ||
                { [ "$owner" != 0 ] && [ "$owner" != "$(id -u)" ]; }; then
                ok=0
                break
            fi
            [ "$p" = / ] && break
            p=$(dirname -- "$p")
        done
        if [ "$ok" = 1 ]; then
            echo "$d"
            return 0
        fi
    done
    echo "error: no directory for the plugin tests passes the plugin trust rule (checked" \
        "$repo/target and \$HOME/.cache): see docs/reliability.md" >&2
    return 1
}

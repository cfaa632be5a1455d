#!/usr/bin/env bash
# Prints the path of a Python >= 3.12 interpreter (mesa 3.5 needs it; 3.12 preferred, the
# version the launchers were checked on), or fails with a message.
# The default python3 may be older, and pyenv shims only answer for the selected version,
# so each candidate is asked for its own version rather than trusted by name.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
candidates=()
[ -n "${BPOSIM_PYTHON:-}" ] && candidates+=("$BPOSIM_PYTHON")
for v in python3.12 python3.13 python3; do
  p=$(command -v "$v" 2>/dev/null) && candidates+=("$p")
done
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for d in $(ls -d "$root"/versions/3.1[2-9]* "$root"/versions/3.[2-9][0-9]* 2>/dev/null | sort -V); do
    candidates+=("$d/bin/python3")
  done
fi
for d in /usr/local/bin /usr/bin; do
  for p in "$d"/python3.1[2-9]; do [ -x "$p" ] && candidates+=("$p"); done
done
for p in "${candidates[@]}"; do
  if ok "$p"; then echo "$p"; exit 0; fi
done
echo "find-python: no Python >= 3.12 found (tried: ${candidates[*]:-none}); install one or set BPOSIM_PYTHON" >&2
exit 1

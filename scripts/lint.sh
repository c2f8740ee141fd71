#!/usr/bin/env bash
# make lint: the format of every C++ file (clang-format, .clang-format), clang-tidy on the C++
# files changed since LINT_BASE (default: the previous commit; .clang-tidy), and no new
# repeated code in src/ (scripts/duplicates.py). Needs a configured build (compile_commands.json).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/release}
BASE=${LINT_BASE:-HEAD~1}
rc=0

files=$(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 'bench/*.cc' 'bench/*.h')
bad=0
for f in $files; do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "format: $f differs from .clang-format (run: clang-format -i $f)"
    bad=$((bad + 1))
  fi
done
[ "$bad" -eq 0 ] && echo "format: $(echo "$files" | wc -w) files ok" || rc=1

if [ -f "$BUILD/compile_commands.json" ]; then
  changed=$(git diff --name-only --diff-filter=AM "$BASE" -- 'src/*.cc' 2>/dev/null || true)
  if [ -z "$changed" ]; then
    echo "clang-tidy: no C++ source changed since $BASE"
  else
    n=0
    for f in $changed; do
      if ! out=$(clang-tidy -p "$BUILD" --quiet "$f" 2>&1); then
        echo "$out" | grep -E "error:|warning:" | head -20
        rc=1
      fi
      n=$((n + 1))
    done
    echo "clang-tidy: $n changed file(s) since $BASE checked"
  fi
else
  echo "clang-tidy: no $BUILD/compile_commands.json (configure the build first)"
  rc=1
fi

python3 scripts/duplicates.py | tail -1 || rc=1
python3 scripts/duplicates.py >/dev/null || rc=1
exit $rc

#!/usr/bin/env bash
# One-time setup (needs the package index): a venv with the book's own library,
# d2l 0.17.6, for bench_vs_book.py. Usage: benchmarks/setup_book_env.sh [VENV_DIR]
set -euo pipefail
venv="${1:-/tmp/d2l-book-venv}"
python3 -m venv "$venv"
"$venv/bin/pip" install -q torch==2.14.1 torchvision==0.29.1 ipython matplotlib pandas scipy requests
"$venv/bin/pip" install -q --no-deps d2l==0.17.6
echo "book environment ready: $venv/bin/python"

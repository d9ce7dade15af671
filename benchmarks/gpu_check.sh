#!/usr/bin/env bash
# Every check that needs a CUDA GPU, in one bounded run (each step has its own time limit).
#
#   benchmarks/gpu_check.sh DATA_DIR OUT_DIR [BOOK_WHEELS_DIR]
#
# DATA_DIR holds fashion-mnist/ as in the data directory; BOOK_WHEELS_DIR (optional)
# holds d2l 0.17.6 and IPython wheels for the book's loop (pip download, see
# docs/benchmarks.md). Each step's log goes to OUT_DIR/<step>.log.
set -u
DATA=$1
OUT=$2
WHEELS=${3:-}
export D2LKIT_DATA=$DATA PYTHONUNBUFFERED=1
export PYTHONPATH=$PWD/src${PYTHONPATH:+:$PYTHONPATH}
PY=${PYTHON:-python3}
mkdir -p "$OUT"

step() {  # step NAME SECONDS COMMAND...: run with a time limit, keep the log, show its end
    local name=$1 limit=$2 start=$SECONDS
    shift 2
    echo "== $name (limit ${limit} s)"
    timeout "$limit" "$@" >"$OUT/$name.log" 2>&1
    local rc=$?
    tail -n 25 "$OUT/$name.log"
    echo "== $name: exit $rc after $((SECONDS - start)) s"
}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
$PY -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda)"

BOOK_ARGS=(--skip-book)
if [ -n "$WHEELS" ]; then
    $PY -m pip install -q --no-index --no-deps --no-compile --target /tmp/book-site "$WHEELS"/*.whl
    printf '#!/bin/sh\nPYTHONPATH=/tmp/book-site exec %s "$@"\n' "$(command -v "$PY")" >/tmp/book-python
    chmod +x /tmp/book-python
    BOOK_ARGS=(--book-python /tmp/book-python)
fi

step tests 60 $PY -m pytest -q -p no:cacheprovider -m gpu tests/train/test_cuda.py
step switches 80 $PY benchmarks/bench_speed_switches.py --device cuda --repeats 1 --batches 30 \
    --no-compile  # compile: ResNet-18 in vs_book
step vs_book 150 $PY benchmarks/bench_gpu_vs_book.py --epochs 2 "${BOOK_ARGS[@]}"
step fast 40 $PY benchmarks/bench_time_to_accuracy.py --recipes fashion-fast fashion-fast-92 \
    --seeds 0 --targets 0.90 0.92
FAST=(train.amp=true train.amp_dtype=bfloat16 train.channels_last=true model.name=fast_cnn)
step to94 150 bash -c "
    $PY benchmarks/bench_time_to_accuracy.py --recipes fashion-fast-92 --seeds 0 \
        --targets 0.92 0.93 0.94 --set ${FAST[*]} model.widths=64,128,256 train.epochs=16
    $PY benchmarks/bench_time_to_accuracy.py --recipes fashion-fast-92 --seeds 0 1 2 \
        --targets 0.92 0.93 0.94 --set ${FAST[*]} model.widths=128,256,512 train.epochs=16"

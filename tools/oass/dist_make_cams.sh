#!/usr/bin/env bash
# Usage: tools/oass/dist_make_cams.sh CONFIG CHECKPOINT NPROC --out-dir DIR [make_cams.py options]
# Offline multi-scale CAMs in NPROC processes (each rank writes its share);
# multi-node as for tools/dist_train.sh (NNODES, NODE_RANK, MASTER_ADDR, PORT).
set -euo pipefail
exec bash "$(dirname "$0")/../dist_launch.sh" oass/make_cams.py "$3" "$1" "$2" \
    --launcher pytorch "${@:4}"

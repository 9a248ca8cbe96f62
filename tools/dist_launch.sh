#!/usr/bin/env bash
# Usage: tools/dist_launch.sh SCRIPT NPROC [script arguments]
# Runs tools/SCRIPT in NPROC processes per node with torch.distributed.run
# (tools/dist_train.sh and tools/dist_test.sh call it).
# Multi-node: NNODES=2 NODE_RANK=0 MASTER_ADDR=host0 PORT=29500 on each node.
# Without CUDA the processes run on CPUs with the gloo backend.
set -euo pipefail
SCRIPT=$1
NPROC=$2
DIR="$(cd "$(dirname "$0")" && pwd)"

PYTHONPATH="$DIR/..${PYTHONPATH:+:$PYTHONPATH}" \
exec python -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NPROC" \
    --master_port="${PORT:-29500}" \
    "$DIR/$SCRIPT" "${@:3}"

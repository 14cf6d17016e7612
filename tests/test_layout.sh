#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Includes only point down: the kernel mirror (model/virt, model/arch,
# model/mm, model/include, model/variants) never includes the harness, and
# sim/ knows nothing of the model.
set -u
cd "$1" || exit 2
status=0
up=$(grep -rn '#include "model/harness' model/virt model/arch model/mm model/include model/variants)
if [ -n "$up" ]; then
  echo "the kernel mirror includes the harness:"; echo "$up"; status=1
fi
up=$(grep -rn '#include "model/' sim)
if [ -n "$up" ]; then
  echo "sim/ includes the model:"; echo "$up"; status=1
fi
stray=$(find model -maxdepth 1 -type f ! -name meson.build)
if [ -n "$stray" ]; then
  echo "files at the top of model/ (each belongs where the kernel keeps it, or in harness/):"
  echo "$stray"; status=1
fi
[ $status = 0 ] && echo "includes point down"
exit $status

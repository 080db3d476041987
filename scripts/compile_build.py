"""Compiles the built functions and layer to bytecode before they are packaged.

Lambda's file system is read-only, so Python cannot cache the bytecode of the
code it imports: without this, every cold start compiles each of our modules
from source (the layer's pip-installed dependencies already ship compiled).
`unchecked-hash` pycs are used without comparing them to the source's time
stamp, which the zip does not keep. Used by `make deploy` after `sam build`,
and by the cold-start benchmark on its copy of each function, so the bench
measures what Lambda runs.

    python -m scripts.compile_build [.aws-sam/build]
"""

from __future__ import annotations

import compileall
import py_compile
import sys
from pathlib import Path


def compile_tree(root: Path) -> bool:
    return compileall.compile_dir(str(root), quiet=1, workers=0, force=True,
                                  invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)


if __name__ == "__main__":
    build = Path(sys.argv[1] if len(sys.argv) > 1 else ".aws-sam/build")
    if not build.is_dir():
        sys.exit(f"{build} does not exist: run sam build first")
    sys.exit(0 if compile_tree(build) else 1)

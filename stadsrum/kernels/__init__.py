"""Compiled graph kernels over flat arrays (numba); imported only by measures.

Before any kernel loads, :func:`stadsrum.kernel_cache.drop_stale_cache` drops
numba's cached kernels if any file here changed since they were compiled (numba
itself looks only at each kernel's own file).
"""

from stadsrum.kernel_cache import drop_stale_cache as _drop_stale_cache

_drop_stale_cache()

"""Compiled graph kernels over flat arrays (numba); imported only by measures."""

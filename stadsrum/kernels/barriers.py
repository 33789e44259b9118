"""Distances from a group of start points to every junction, on the shared state search.

Used by the barrier analysis: with the distances from every place and every
node to all junctions, the effect of any new link between two junctions
follows without another search (see :mod:`stadsrum.measures.barriers`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from stadsrum.kernels.od import search_from_points
from stadsrum.kernels.search import SETTLED, reset_states


@njit(cache=True, nogil=True)
def junction_distances(a_edge, a_pos, a_cost, head, n_nodes, graph, scratch):
    """Least distance from the start points to every junction (``inf``: unreached).

    Parameters
    ----------
    a_edge, a_pos, a_cost
        Start points: segment, metres along it, starting cost (access metres).
    head
        Junction each state heads for: ``v`` of the segment for state ``2e``,
        ``u`` for ``2e + 1``.
    n_nodes
        Number of junctions.
    graph
        State graph with the entered segment's metres as cost and length.
    scratch
        This worker's search arrays (``segdist`` all ``inf``); left as found.
    """
    n_order = search_from_points(a_edge, a_pos, a_cost, np.inf, graph, scratch)
    order, dist, settled = scratch.order, scratch.dist, scratch.settled
    out = np.full(n_nodes, np.inf)
    for i in range(n_order):
        s = order[i]
        if settled[s] == SETTLED and dist[s] < out[head[s]]:
            out[head[s]] = dist[s]
    reset_states(n_order, order, dist, scratch.rlen, scratch.pred, settled)
    return out

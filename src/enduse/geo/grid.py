"""A lookup grid for answers that can only change across given edges, such as a point's country and region.

Point-in-polygon answers are the same for every point of a box that no polygon edge touches: the box lies wholly
inside or wholly outside each polygon. ``build_grid`` finds such boxes over a lon/lat window as a quadtree flattened
into one array: cells of 1° that meet an edge are split into four, down to ``2**-levels`` degrees, and every cell
that meets no edge takes the answer at its centre. ``CellGrid.lookup`` then answers most points by indexing the
array; the rest (cells an edge crosses, points outside the window) are left to the exact computation.

Exact by construction, not by sampling: a cell is decided only when no edge segment's bounding box meets the cell's
box, taken closed and widened by ``MARGIN_DEG`` so that it holds every point ``lookup`` assigns to it despite the
rounding of ``(lon - west) * cells_per_degree``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

#: Cells are widened by this (degrees): far more than the rounding of a cell index (~1e-14°), far less than a cell.
MARGIN_DEG = 1e-9


@dataclass(frozen=True)
class CellGrid:
    """Answers per cell of ``1 / cells_per_degree`` degrees from (``west``, ``south``); -1 where not decided."""

    west: int
    south: int
    cells_per_degree: int
    answer: np.ndarray  # int32, (rows = latitude, columns = longitude)

    def lookup(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """The answer of each point's cell (int32), -1 for points in undecided cells or outside the grid."""
        row = np.floor((lat - self.south) * self.cells_per_degree)
        col = np.floor((lon - self.west) * self.cells_per_degree)
        rows, cols = self.answer.shape
        inside = np.flatnonzero((row >= 0) & (row < rows) & (col >= 0) & (col < cols))
        found = np.full(len(lat), -1, dtype=np.int32)
        found[inside] = self.answer[row[inside].astype(np.intp), col[inside].astype(np.intp)]
        return found


def _edge_boxes(geometries: Sequence[BaseGeometry], window: tuple[int, int, int, int]) -> shapely.STRtree:
    """A tree of the bounding boxes of the polygons' edge segments that reach into ``window``."""
    rings = shapely.get_rings(shapely.get_parts(np.asarray(geometries, dtype=object)))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same_ring = ring[1:] == ring[:-1]
    low = np.minimum(xy[:-1], xy[1:])[same_ring]
    high = np.maximum(xy[:-1], xy[1:])[same_ring]
    west, south, east, north = window
    near = (high[:, 0] >= west) & (low[:, 0] <= east) & (high[:, 1] >= south) & (low[:, 1] <= north)
    return shapely.STRtree(shapely.box(low[near, 0], low[near, 1], high[near, 0], high[near, 1]))


def build_grid(
    polygons: Sequence[BaseGeometry],
    answer: Callable[[np.ndarray, np.ndarray], np.ndarray],
    window: tuple[int, int, int, int],
    levels: int,
) -> CellGrid:
    """The grid over ``window`` (west, south, east, north; whole degrees) down to cells of ``2**-levels`` degrees.

    ``answer(lat, lon)`` gives the answer at cell centres (integers >= 0), or -1 where it is not decided by which
    of ``polygons`` contain the point: the caller guarantees the answer is the same at every point of a connected
    set that touches none of their edges, except where it returns -1.
    """
    west, south, east, north = window
    edges = _edge_boxes(polygons, window)
    grid = np.full((north - south, east - west), -1, dtype=np.int32)
    row, col = (index.ravel() for index in np.indices(grid.shape))
    for level in range(levels + 1):
        size = 0.5**level
        x, y = west + col * size, south + row * size
        boxes = shapely.box(x - MARGIN_DEG, y - MARGIN_DEG, x + size + MARGIN_DEG, y + size + MARGIN_DEG)
        crossed = np.zeros(len(boxes), dtype=bool)
        crossed[edges.query(boxes)[0]] = True
        free = ~crossed
        grid[row[free], col[free]] = answer(y[free] + size / 2, x[free] + size / 2)
        if level < levels:
            grid = grid.repeat(2, axis=0).repeat(2, axis=1)
            row = (2 * row[crossed, None] + [0, 0, 1, 1]).ravel()
            col = (2 * col[crossed, None] + [0, 1, 0, 1]).ravel()
    return CellGrid(west=west, south=south, cells_per_degree=2**levels, answer=grid)

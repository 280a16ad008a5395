"""Geometry for the server-side SVG plots (bar charts, the timeline strip, the cited-source graph).

Templates draw what these return; each plot also carries a text alternative (``summary``) and its
data as rows, shown as a table under the plot. No JavaScript: the plots work with scripts off.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 180, 36, 36, 12


@dataclass
class Bar:
    x: float
    y: float
    w: float
    h: float
    label: str
    value: float
    href: str | None = None


@dataclass
class BarChart:
    title: str
    summary: str
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # x position, label
    y_max: float
    width: int = WIDTH
    height: int = HEIGHT
    rows: list[tuple[str, Any]] = field(default_factory=list)


def bar_chart(points: Sequence[tuple[str, float]], title: str, unit: str = "articles",
              hrefs: Sequence[str | None] | None = None) -> BarChart:
    """Vertical bars, one per (label, value) point, labels thinned to at most ~8 ticks."""
    pts = list(points)
    top = max((v for _, v in pts), default=0) or 1
    n = max(len(pts), 1)
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / n
    bars = []
    for i, (label, value) in enumerate(pts):
        h = plot_h * value / top
        bars.append(Bar(PAD_LEFT + i * step + step * 0.1, PAD_TOP + plot_h - h, max(step * 0.8, 1), h, label, value,
                        hrefs[i] if hrefs else None))
    every = max(1, round(n / 8))
    ticks = [(b.x + b.w / 2, b.label) for i, b in enumerate(bars) if i % every == 0]
    peak = max(pts, key=lambda p: p[1]) if pts else None
    total = sum(v for _, v in pts)
    summary = (f"{title}: {total:g} {unit} over {len(pts)} bars, from {pts[0][0]} to {pts[-1][0]}; "
               f"most on {peak[0]} ({peak[1]:g})." if pts and peak else f"{title}: no data.")
    return BarChart(title, summary, bars, ticks, top, rows=[(lab, v) for lab, v in pts])


@dataclass
class Node:
    id: str
    label: str
    x: float
    y: float
    layer: str
    href: str | None = None


@dataclass
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    label: str
    source: str
    target: str


@dataclass
class Graph:
    title: str
    summary: str
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int


def layered_graph(graph: dict[str, Any], title: str = "Cited sources") -> Graph:
    """Columns by layer (outlets, then people, then other sources) for the report's ``sources`` graph."""
    layers: dict[str, list[dict[str, Any]]] = {}
    for node in graph.get("nodes", []):
        layers.setdefault(node.get("layer", "source"), []).append(node)
    rank = {"outlet": 0, "source": 2}
    order = sorted(layers, key=lambda lay: (rank.get(lay, 1), lay))
    rows = max((len(v) for v in layers.values()), default=1)
    row_h, col_w, label_w = 26, 380, 215  # labels (cut at 30 characters) end before label_w
    width = 8 + max(len(order), 1) * col_w - (col_w - label_w - 10)
    height = max(rows * row_h + 24, 80)
    pos: dict[str, Node] = {}
    for ci, layer in enumerate(order):
        for ri, node in enumerate(layers[layer]):
            entity = re.match(r"^[a-z]:(e_\w+)$", node["id"])  # people and sources resolved to an entity
            pos[node["id"]] = Node(node["id"], node.get("label", node["id"]), 8 + ci * col_w, 22 + ri * row_h, layer,
                                   f"/entities/{entity.group(1)}" if entity else None)

    def right(n: Node) -> float:  # every label of a column is cut to fit before this port
        return n.x + label_w

    edges = []
    for e in graph.get("edges", []):
        a, b = pos.get(e["source"]), pos.get(e["target"])
        if a and b:
            x2 = right(b) if a.x == b.x else b.x - 4
            edges.append(Edge(right(a), a.y - 4, x2, b.y - 4, min(1 + e.get("count", 1), 6),
                              f"{a.label} cites {b.label} ×{e.get('count', 1)}", a.id, b.id))
    summary = "; ".join(e.label for e in edges) or "No cited sources."
    return Graph(title, summary, list(pos.values()), edges, width, height)

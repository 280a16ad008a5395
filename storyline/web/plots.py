"""Geometry for the server-side SVG plots (bar charts, the timeline strip, the cited-source graph).

Templates draw what these return; each plot also carries a text alternative (``summary``) and its
data as rows, shown as a table under the plot. No JavaScript: the plots work with scripts off.
"""

from __future__ import annotations

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
    """Columns by layer (outlet -> relay -> source) for the report's ``sources`` graph."""
    layers: dict[str, list[dict[str, Any]]] = {}
    for node in graph.get("nodes", []):
        layers.setdefault(node.get("layer", "source"), []).append(node)
    order = sorted(layers, key=lambda lay: {"outlet": 0}.get(lay, 1 if lay != "source" else 2))
    rows = max((len(v) for v in layers.values()), default=1)
    width, row_h = 720, 28
    height = max(rows * row_h + 24, 80)
    col_w = width / max(len(order), 1)
    pos: dict[str, Node] = {}
    for ci, layer in enumerate(order):
        for ri, node in enumerate(layers[layer]):
            x = ci * col_w + (8 if ci == 0 else col_w / 2 - 60 if ci < len(order) - 1 else col_w - 200)
            pos[node["id"]] = Node(node["id"], node.get("label", node["id"]), x, 20 + ri * row_h, layer)
    edges = []
    for e in graph.get("edges", []):
        a, b = pos.get(e["source"]), pos.get(e["target"])
        if a and b:
            edges.append(Edge(a.x + 150, a.y - 4, b.x, b.y - 4, min(1 + e.get("count", 1), 6),
                              f"{a.label} cites {b.label} ×{e.get('count', 1)}", a.id, b.id))
    summary = "; ".join(e.label for e in edges) or "No cited sources."
    return Graph(title, summary, list(pos.values()), edges, width, height)

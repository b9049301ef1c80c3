"""Charts of the effectiveness evaluation (matplotlib, Agg): deterministic PNG bytes."""

from __future__ import annotations

import io
import textwrap
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 8, "svg.hashsalt": "gosprog",
                     "figure.dpi": 100})


def _png(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=150, metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    return out.getvalue()


def percent_bars(labels: list[str], shares: list[Decimal], title: str) -> bytes:
    """Horizontal bars of "fact as % of plan", with the plan (100 %) as a red line."""
    fig, ax = plt.subplots(figsize=(9, 0.28 * len(labels) + 1.0))
    values = [float(s) for s in shares]
    ax.barh(range(len(labels)), values, color="#2f5d8c")
    for i, v in enumerate(values):
        ax.text(v + 0.5, i, f"{v:.1f}".replace(".", ",") + "%", va="center")
    ax.axvline(100, color="#c00000", linewidth=0.8)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels([textwrap.shorten(label, 80, placeholder="…") for label in labels])
    ax.invert_yaxis()
    ax.set_xlim(0, max(values + [100]) * 1.12)
    ax.set_title(title)
    return _png(fig)

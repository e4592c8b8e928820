"""What the figure side process imports as it starts (``early_figures.prewarm``): matplotlib, its
Agg canvas and the CJK font. Loaded on the core the per-document stages have just left idle, so
the first figure asked for is drawn at once instead of after a second of imports."""
from __future__ import annotations

import matplotlib.figure  # noqa: F401  (the figures' own Figure, axes, images and colour bars)
from matplotlib.backends import backend_agg  # noqa: F401  (savefig's PNG canvas)

from .figures import _font

_font()  # the font file parsed once; a missing font raises here, and the drawing says why

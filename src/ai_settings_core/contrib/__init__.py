"""Glue for host frameworks, each behind its own extra (``[django]``, ``[flask]``, ``[fastapi]``).

Nothing below the edges imports these packages: the core never imports a framework.
"""

from __future__ import annotations

__all__: list[str] = []

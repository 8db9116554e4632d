"""``python -m ai_settings_core`` is the ``ai-settings`` command."""

from __future__ import annotations

import sys

from ai_settings_core.cli import main

if __name__ == "__main__":
    sys.exit(main())

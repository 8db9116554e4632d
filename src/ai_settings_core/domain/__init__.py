"""The domain layer: pure, immutable values and the functions that decide on them.

Values (:mod:`.values`), settings (:mod:`.settings`), resolution with traces (:mod:`.resolve`,
:mod:`.resolve_all`), decisions (:mod:`.decide`, :mod:`.snapshot`), validation rules and their
findings (:mod:`.rules`, :mod:`.findings`, :mod:`.limits`), patches, diffs and the impact
preview (:mod:`.changes`), audit entries (:mod:`.audit`), permissions (:mod:`.permissions`) and
the read-side views the use cases return (:mod:`.views`).

The domain imports nothing from the codec, the service, the ports, the adapters or the edges,
does no I/O and keeps no global state. Import its public names from :mod:`ai_settings_core` or
from a namespace (:mod:`ai_settings_core.rules`, :mod:`ai_settings_core.changes`); the module
paths inside this package are the library's own and may move.
"""

__all__: list[str] = []

"""The management commands of the app."""

__all__: list[str] = []

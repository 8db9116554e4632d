"""The migrations Django generated for the app's models."""

__all__: list[str] = []

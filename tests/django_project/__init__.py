"""A small real Django project that installs the app, as a host would (tests only)."""

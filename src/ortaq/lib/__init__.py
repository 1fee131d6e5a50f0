"""Small shared helpers for views and HTTP (a plain package: no models, no app config)."""

"""Moved to ortaq.lib.views; this name stays only until the last app's views import from there."""

from ortaq.lib.views import apply_errors, export_response, form_data, paginate  # noqa: F401

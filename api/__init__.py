"""The FastAPI gateway: chat proxy, widget, clinician review, health."""

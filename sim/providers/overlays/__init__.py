"""Overlays: innovations that wrap the provider of a stage (chatbot, smart diagnosis, ...)."""

"""Domain logic in plain Python: triage, language resources, content, settings, the CLI."""

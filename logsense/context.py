"""Placeholder: replaced by the context work."""
def extract_context(text):
    return []


def attach_to_runs(runs, blocks):
    return {}

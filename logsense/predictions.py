"""Placeholder: replaced by the structured-inputs work."""
def extract_predictions(text):
    return []

"""Placeholder: the parser helper replaces this."""
def parse_text(text):
    return [], []
